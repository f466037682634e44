import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { fixture } from '../../test/cgi/helpers.ts';
import { cgi, type CgiOptions } from './index.ts';
import { resolveOptions } from './options.ts';

const dir = mkdtempSync(join(tmpdir(), 'trowel-cgi-options-'));
const plain = join(dir, 'plain.sh');
writeFileSync(plain, '#!/bin/sh\n');
chmodSync(plain, 0o644);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function codeOf(options: unknown): string {
  try {
    cgi(options as CgiOptions);
  } catch (error) {
    if (isConfigError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'no error';
}

const OK = fixture('ok.sh');

describe('cgi() options', () => {
  it.each<[string, unknown, RegExp]>([
    ['no options', undefined, /options must be an object/],
    ['neither script nor command', {}, /exactly one of script and command/],
    ['both script and command', { script: OK, command: ['/bin/true'] }, /exactly one/],
    ['an empty script', { script: '' }, /script must be a non-empty path/],
    ['an empty command', { command: [] }, /command must be a non-empty list/],
    ['a command with a non-string', { command: ['/bin/echo', 3] }, /command must be/],
    ['a command with an empty program', { command: [''] }, /command must be/],
    ['a NUL in an argument', { command: ['/bin/echo', 'a\0b'] }, /command must be/],
    ['a negative timeout', { script: OK, timeout: -1 }, /timeout must be a number/],
    ['an infinite timeout', { script: OK, timeout: Infinity }, /timeout must be a number/],
    ['a string killGrace', { script: OK, killGrace: '5' }, /killGrace must be a number/],
    ['a tiny maxOutputHeaderSize', { script: OK, maxOutputHeaderSize: 8 }, /at least 16/],
    ['a fractional bufferChunkedBody', { script: OK, bufferChunkedBody: 1.5 }, /bufferChunkedBody/],
    ['env that is not an object', { script: OK, env: 'A=1' }, /env must be an object/],
    ['an env name with "="', { script: OK, env: { 'A=B': '1' } }, /is not a variable name/],
    ['an env value that is not a string', { script: OK, env: { A: 1 } }, /env.A must be a string/],
    ['an env value with NUL', { script: OK, env: { A: 'a\0' } }, /env.A must be a string/],
    ['passEnv that is a string', { script: OK, passEnv: 'PATH' }, /passEnv must be a list/],
    ['a passEnv name with a space', { script: OK, passEnv: ['MY VAR'] }, /not a variable name/],
    ['a non-boolean passAuthorization', { script: OK, passAuthorization: 'yes' }, /boolean/],
    ['a remoteUser that is not a function', { script: OK, remoteUser: 'ada' }, /remoteUser/],
    ['an onError that is not a function', { script: OK, onError: true }, /onError/],
    ['a queryString with NUL', { script: OK, queryString: 'a\0' }, /queryString/],
    ['a cwd that is not a string', { script: OK, cwd: 3 }, /cwd/],
  ])('refuses %s with TROWEL_ERR_CGI_OPTION', (_name, options, message) => {
    const result = codeOf(options);
    expect(result).toMatch(/^TROWEL_ERR_CGI_OPTION: cgi\(\): /);
    expect(result).toMatch(message);
  });

  it.each([
    ['a missing script', join(dir, 'missing.sh'), /does not exist/],
    ['a script that is not executable', plain, /is not executable/],
    ['a directory', dir, /is not a file/],
  ])('refuses %s with TROWEL_ERR_CGI_SCRIPT', (_name, script, message) => {
    const result = codeOf({ script });
    expect(result).toMatch(/^TROWEL_ERR_CGI_SCRIPT: /);
    expect(result).toMatch(message);
  });

  it('fills in the defaults', () => {
    const config = resolveOptions({ script: OK });
    expect(config).toMatchObject({
      argv: [OK],
      cwd: dirname(OK),
      scriptFilename: OK,
      timeout: 300_000,
      killGrace: 5000,
      maxOutputHeaderSize: 65_536,
      bufferChunkedBody: 0,
      passAuthorization: false,
    });
    expect(Object.keys(config.passed)).toEqual(process.env['PATH'] === undefined ? [] : ['PATH']);
  });

  it('resolves a relative script against the working directory', () => {
    const relative = join('test', 'fixtures', 'cgi', 'ok.sh');
    expect(resolveOptions({ script: relative }).argv).toEqual([join(process.cwd(), relative)]);
  });

  it('copies env, so changing the caller’s object later changes nothing', () => {
    const env = { A: '1' };
    const config = resolveOptions({ script: OK, env });
    env.A = '2';
    expect(config.env['A']).toBe('1');
  });
});
