import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INHERIT_ENV,
  childEnv,
  resolveSupervisorOptions,
  substitutePort,
  type SupervisorOptions,
} from './options.ts';

const command = ['python3', '-m', 'http.server', '{port}'];

function codeOf(options: unknown): string | undefined {
  try {
    resolveSupervisorOptions(options as SupervisorOptions);
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('resolveSupervisorOptions', () => {
  it('fills in the documented defaults', () => {
    expect(resolveSupervisorOptions({ command })).toEqual({
      command,
      label: 'python3',
      env: {},
      inheritEnv: DEFAULT_INHERIT_ENV,
      portEnv: 'PORT',
      port: undefined,
      host: '127.0.0.1',
      cwd: undefined,
      readyPath: undefined,
      readyTimeout: 10_000,
      readyInterval: 50,
      idleTimeout: 0,
      stopTimeout: 5_000,
      initialDelay: 100,
      maxDelay: 10_000,
      output: undefined,
    });
  });

  it('labels the child with the base name of its program', () => {
    expect(resolveSupervisorOptions({ command: ['/usr/bin/python3', 'app.py'] }).label).toBe(
      'python3',
    );
  });

  it('copies env, so a later change by the caller does not reach the child', () => {
    const env: Record<string, string> = { A: '1' };
    const resolved = resolveSupervisorOptions({ command, env });
    env['A'] = '2';
    expect(resolved.env).toEqual({ A: '1' });
  });

  it.each<[string, unknown]>([
    ['TROWEL_ERR_SPAWN_COMMAND', { command: [] }],
    ['TROWEL_ERR_SPAWN_COMMAND', { command: [''] }],
    ['TROWEL_ERR_SPAWN_COMMAND', { command: 'python3 -m http.server' }],
    ['TROWEL_ERR_SPAWN_COMMAND', { command: ['python3', 8000] }],
    ['TROWEL_ERR_SPAWN_COMMAND', { command: ['python3', 'a\0b'] }],
    ['TROWEL_ERR_SPAWN_COMMAND', {}],
    ['TROWEL_ERR_SPAWN_PORT', { command, port: 0 }],
    ['TROWEL_ERR_SPAWN_PORT', { command, port: 65536 }],
    ['TROWEL_ERR_SPAWN_PORT', { command, port: 80.5 }],
    ['TROWEL_ERR_SPAWN_PORT', { command, port: '8000' }],
    ['TROWEL_ERR_SPAWN_HOST', { command, host: '' }],
    ['TROWEL_ERR_SPAWN_HOST', { command, host: 'http://localhost' }],
    ['TROWEL_ERR_SPAWN_HOST', { command, host: '[::1]' }],
    ['TROWEL_ERR_SPAWN_ENV', { command, env: { 'A=B': 'x' } }],
    ['TROWEL_ERR_SPAWN_ENV', { command, env: { A: 1 } }],
    ['TROWEL_ERR_SPAWN_ENV', { command, env: { A: 'x\0y' } }],
    ['TROWEL_ERR_SPAWN_ENV', { command, inheritEnv: 'PATH' }],
    ['TROWEL_ERR_SPAWN_ENV', { command, inheritEnv: ['PA=TH'] }],
    ['TROWEL_ERR_SPAWN_ENV', { command, portEnv: '' }],
    ['TROWEL_ERR_SPAWN_CWD', { command, cwd: '' }],
    ['TROWEL_ERR_SPAWN_CWD', { command, cwd: '/nonexistent/trowel' }],
    ['TROWEL_ERR_SPAWN_CWD', { command, cwd: '/etc/hostname' }],
    ['TROWEL_ERR_SPAWN_READY', { command, ready: { path: 'health' } }],
    ['TROWEL_ERR_SPAWN_READY', { command, ready: { path: '/he alth' } }],
    ['TROWEL_ERR_SPAWN_READY', { command, ready: { path: '/x\r\nHost: evil' } }],
    ['TROWEL_ERR_SPAWN_READY', { command, ready: { timeout: 0 } }],
    ['TROWEL_ERR_SPAWN_READY', { command, ready: { timeout: -1 } }],
    ['TROWEL_ERR_SPAWN_READY', { command, ready: { interval: Number.NaN } }],
    ['TROWEL_ERR_SPAWN_READY', { command, ready: { timeout: 100, interval: 200 } }],
    ['TROWEL_ERR_SPAWN_IDLE_TIMEOUT', { command, idleTimeout: -1 }],
    ['TROWEL_ERR_SPAWN_IDLE_TIMEOUT', { command, idleTimeout: Infinity }],
    ['TROWEL_ERR_SPAWN_IDLE_TIMEOUT', { command, idleTimeout: 2 ** 31 }],
    ['TROWEL_ERR_SPAWN_STOP_TIMEOUT', { command, stopTimeout: 2 ** 31 }],
    ['TROWEL_ERR_SPAWN_READY', { command, ready: { timeout: 2 ** 31 } }],
    ['TROWEL_ERR_SPAWN_RESTART', { command, restart: { maxDelay: 30 * 86_400_000 } }],
    ['TROWEL_ERR_SPAWN_STOP_TIMEOUT', { command, stopTimeout: -5 }],
    ['TROWEL_ERR_SPAWN_STOP_TIMEOUT', { command, stopTimeout: '5s' }],
    ['TROWEL_ERR_SPAWN_RESTART', { command, restart: { initialDelay: -1 } }],
    ['TROWEL_ERR_SPAWN_RESTART', { command, restart: { initialDelay: 500, maxDelay: 100 } }],
    ['TROWEL_ERR_SPAWN_OUTPUT', { command, output: 'log' }],
  ])('throws %s for %j', (code, options) => {
    expect(codeOf(options)).toBe(code);
  });

  it.each<[string, Partial<SupervisorOptions>]>([
    ['an IPv6 host', { host: '::1' }],
    ['a hostname', { host: 'localhost' }],
    ['an existing cwd', { cwd: '/tmp' }],
    ['a zero idle and stop timeout', { idleTimeout: 0, stopTimeout: 0 }],
    ['a zero restart delay', { restart: { initialDelay: 0, maxDelay: 0 } }],
    ['a readiness path with a query', { ready: { path: '/health?full=1' } }],
    ['an output callback', { output: () => undefined }],
  ])('accepts %s', (_name, options) => {
    expect(codeOf({ command, ...options })).toBeUndefined();
  });
});

describe('substitutePort', () => {
  it.each([
    [
      ['app', '{port}'],
      ['app', '8123'],
    ],
    [
      ['app', '__PORT__'],
      ['app', '8123'],
    ],
    [
      ['app', '--bind=127.0.0.1:{port}'],
      ['app', '--bind=127.0.0.1:8123'],
    ],
    [
      ['app', '{port}-__PORT__-{port}'],
      ['app', '8123-8123-8123'],
    ],
    [
      ['app', '{PORT}', '$PORT'],
      ['app', '{PORT}', '$PORT'],
    ],
  ])('turns %j into %j', (argv, expected) => {
    expect(substitutePort(argv, 8123)).toEqual(expected);
  });
});

describe('childEnv', () => {
  const options = resolveSupervisorOptions({
    command,
    inheritEnv: ['PATH', 'LANG', 'MISSING'],
    env: { LANG: 'C.UTF-8', APP: 'yes', PORT: '1' },
  });

  it('takes the allow-list from the parent, then env, then the port', () => {
    const parent = { PATH: '/bin', LANG: 'fr_FR', SECRET: 's3cret' };
    expect(childEnv(options, 8123, parent)).toEqual({
      PATH: '/bin',
      LANG: 'C.UTF-8',
      APP: 'yes',
      PORT: '8123',
    });
  });
});
