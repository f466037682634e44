import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/config-error.ts';
import { DeployError } from '../deploy/errors.ts';
import { SERVE_HELP } from './args.ts';
import { report, serveCommand, type Output } from './serve.ts';

function capture(): Output & { readonly text: () => string } {
  let text = '';
  return {
    out: (line) => (text += `${line}\n`),
    err: (line) => (text += `${line}\n`),
    text: () => text,
  };
}

describe('report', () => {
  it('prints a config mistake as one line', () => {
    const io = capture();
    report(new ConfigError('TROWEL_ERR_X', 'serve(): bad'), io);
    expect(io.text()).toBe('trowel: serve(): bad\n');
  });

  it("adds the stack of the user's own error that caused a load to fail", () => {
    const io = capture();
    const cause = new Error('boom');
    report(
      new DeployError(
        'TROWEL_ERR_DEPLOY_FACTORY',
        { file: '/x/site.ini', section: 'app:main', key: 'use', line: 2 },
        'x failed: boom',
        { cause },
      ),
      io,
    );
    expect(io.text()).toMatch(
      /^trowel: \/x\/site\.ini:2 \[app:main\] use: x failed: boom\n {4}Error: boom\n {8}at /,
    );
  });

  it('keeps a deploy error caused by another config error to one line', () => {
    const io = capture();
    report(new DeployError('C', { file: 'f' }, 'd', { cause: new ConfigError('C', 'inner') }), io);
    expect(io.text()).toBe('trowel: f: d\n');
  });

  it('prints a system error without its stack', () => {
    const io = capture();
    report(
      Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:80'), {
        code: 'EADDRINUSE',
      }),
      io,
    );
    expect(io.text()).toBe(
      'trowel: the server could not start: listen EADDRINUSE: address already in use 127.0.0.1:80\n',
    );
  });

  it('prints anything else with its stack, since it is a bug', () => {
    const io = capture();
    report(new TypeError('oops'), io);
    expect(io.text()).toMatch(/^trowel: TypeError: oops\n {4}at /);
    const other = capture();
    report('a string', other);
    expect(other.text()).toBe('trowel: a string\n');
  });
});

describe('serveCommand', () => {
  it('prints its help', async () => {
    const io = capture();
    expect(await serveCommand(['--help'], io)).toBe(0);
    expect(io.text()).toBe(`${SERVE_HELP}\n`);
  });

  it('exits 2 for a usage mistake', async () => {
    const io = capture();
    expect(await serveCommand(['--workers', 'many'], io)).toBe(2);
    expect(io.text()).toBe(
      'trowel serve: --workers must be a whole number from 1 to 1024, got "many"\n(see trowel serve --help)\n',
    );
  });

  it('exits 2 for a config mistake, before serving', async () => {
    const io = capture();
    expect(await serveCommand(['/nonexistent/site.ini'], io)).toBe(2);
    expect(io.text()).toBe(
      'trowel: the command line: cannot read the config file /nonexistent/site.ini: there is no such file\n',
    );
  });
});
