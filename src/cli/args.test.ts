import { describe, expect, it } from 'vitest';
import { parseServeArgs, UsageError } from './args.ts';

function usage(args: readonly string[]): string {
  try {
    parseServeArgs(args);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('parsed without a usage error');
}

describe('parseServeArgs', () => {
  it('reads a config file, variables and every option', () => {
    expect(
      parseServeArgs([
        'site.ini#api',
        'http_port=8080',
        'a=b=c',
        '--port',
        '0',
        '--host',
        '::1',
        '--workers',
        '2',
        '--reload',
        '--reload-watch',
        'templates',
        '--reload-poll',
        '--reload-watch',
        'extra.json',
        '--reload-interval',
        '0.5',
        '--pid-file',
        'x.pid',
        '--log-file',
        'x.log',
        '-n',
        'other',
        '--server-name',
        'dev',
      ]),
    ).toEqual({
      help: false,
      config: 'site.ini#api',
      vars: { http_port: '8080', a: 'b=c' },
      port: '0',
      host: '::1',
      workers: '2',
      reload: true,
      reloadWatch: ['templates', 'extra.json'],
      reloadPoll: true,
      reloadInterval: 500,
      pidFile: 'x.pid',
      logFile: 'x.log',
      appName: 'other',
      serverName: 'dev',
    });
  });

  it('takes no config file (the demo), and variables alone', () => {
    expect(parseServeArgs(['greeting=Hi'])).toMatchObject({
      config: undefined,
      vars: { greeting: 'Hi' },
    });
    expect(parseServeArgs([])).toMatchObject({
      config: undefined,
      vars: {},
      reloadWatch: [],
      reloadPoll: false,
      reloadInterval: 1000,
      help: false,
    });
  });

  it('reads a path with = in a directory name as the config file', () => {
    expect(parseServeArgs(['conf/a=b/site.ini']).config).toBe('conf/a=b/site.ini');
  });

  it('reads -h and --help', () => {
    expect(parseServeArgs(['-h']).help).toBe(true);
    expect(parseServeArgs(['site.ini', '--help']).help).toBe(true);
  });

  it.each([
    [['--prot', '1'], 'unknown option --prot (did you mean --port?)'],
    [['--zzzzzz'], 'unknown option --zzzzzz'],
    [['--port'], 'option --port <value> needs a value'],
    [['--port', '70000'], '--port must be a whole number from 0 to 65535, got "70000"'],
    [['--port', 'http'], '--port must be a whole number from 0 to 65535, got "http"'],
    [['--workers', '0'], '--workers must be a whole number from 1 to 1024, got "0"'],
    [
      ['--reload', '--reload-interval', '0'],
      '--reload-interval must be a positive number of seconds up to 3600, got "0"',
    ],
    [['--reload', '--reload-interval', '3601'], 'up to 3600, got "3601"'],
    [['--reload-interval', '2'], '--reload-interval needs --reload'],
    [['--reload-watch', 'src'], '--reload-watch needs --reload'],
    [['--reload-poll'], '--reload-poll needs --reload'],
    [['--reload', '--reload-watch', ''], '--reload-watch must not be empty'],
    [['--host', ''], '--host must not be empty'],
    [
      ['a.ini', 'b.ini'],
      'unexpected argument "b.ini" (variables are name=value; only one config file)',
    ],
    [['x=1', 'site.ini'], 'unexpected argument "site.ini"'],
    [['site.ini', 'start'], '"start": trowel does not daemonize'],
    [['stop'], '"stop": trowel does not daemonize'],
  ])('refuses %j', (args, message) => {
    expect(usage(args)).toContain(message);
  });
});
