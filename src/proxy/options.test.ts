import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { Context, createKey } from '../core/context.ts';
import { front, send, upstream } from './harness.fixture.ts';
import { proxy, type ProxyOptions } from './index.ts';

function codeOf(build: () => unknown): string | undefined {
  try {
    build();
  } catch (error) {
    return isConfigError(error) ? error.code : `not a ConfigError: ${String(error)}`;
  }
  return undefined;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('proxy() configuration errors', () => {
  it.each<[string, string | URL, string]>([
    ['a relative URL', '/relative', 'TROWEL_ERR_PROXY_TARGET'],
    ['an empty host', 'http://', 'TROWEL_ERR_PROXY_TARGET'],
    ['not a URL at all', 'not a url', 'TROWEL_ERR_PROXY_TARGET'],
    ['an ftp URL', 'ftp://files.example/', 'TROWEL_ERR_PROXY_SCHEME'],
    ['a file URL', new URL('file:///etc/passwd'), 'TROWEL_ERR_PROXY_SCHEME'],
    ['a ws URL', 'ws://socket.example/', 'TROWEL_ERR_PROXY_SCHEME'],
  ])('refuses %s as the target', (_what, target, code) => {
    expect(codeOf(() => proxy(target))).toBe(code);
  });

  it.each<[string, ProxyOptions, string]>([
    ['a method with a space', { methods: ['GET POST'] }, 'TROWEL_ERR_PROXY_METHOD'],
    ['an empty method', { methods: [''] }, 'TROWEL_ERR_PROXY_METHOD'],
    ['methods as a string', { methods: 'GET' as unknown as string[] }, 'TROWEL_ERR_PROXY_METHOD'],
    [
      'a suppressed header that is no name',
      { suppressHeaders: ['x y'] },
      'TROWEL_ERR_PROXY_HEADER',
    ],
    ['a via with a space', { via: 'my proxy' }, 'TROWEL_ERR_PROXY_VIA'],
    ['an empty via', { via: '' }, 'TROWEL_ERR_PROXY_VIA'],
    ['a negative connect timeout', { timeouts: { connect: -1 } }, 'TROWEL_ERR_PROXY_TIMEOUT'],
    ['a NaN headers timeout', { timeouts: { headers: Number.NaN } }, 'TROWEL_ERR_PROXY_TIMEOUT'],
    ['an infinite body timeout', { timeouts: { body: Infinity } }, 'TROWEL_ERR_PROXY_TIMEOUT'],
    ['a timeout past 2^31 - 1 ms', { timeouts: { headers: 2 ** 31 } }, 'TROWEL_ERR_PROXY_TIMEOUT'],
    [
      'a string timeout',
      { timeouts: { body: '5' as unknown as number } },
      'TROWEL_ERR_PROXY_TIMEOUT',
    ],
    [
      'a pickle transport',
      { transport: { pickle: { obj: createKey('x') } } as never },
      'TROWEL_ERR_PROXY_TRANSPORT',
    ],
    [
      'a transport value that is not a key',
      { transport: { str: { user: 'REMOTE_USER' as never } } },
      'TROWEL_ERR_PROXY_TRANSPORT',
    ],
    ['a non-boolean preserveHost', { preserveHost: 'yes' as never }, 'TROWEL_ERR_PROXY_OPTIONS'],
    ['a non-function onError', { onError: 5 as never }, 'TROWEL_ERR_PROXY_OPTIONS'],
    ['a short secret', { secret: 'short' }, 'TROWEL_ERR_FORWARDED_SECRET_SHORT'],
    [
      'a missing secret file',
      { secretFile: '/nonexistent/secret' },
      'TROWEL_ERR_FORWARDED_SECRET_FILE',
    ],
    [
      'both secret and secretFile',
      { secret: 'a shared secret of some length', secretFile: '/x' },
      'TROWEL_ERR_FORWARDED_SECRET_SOURCE',
    ],
  ])('refuses %s', (_what, options, code) => {
    expect(codeOf(() => proxy('http://127.0.0.1:1/', options))).toBe(code);
  });

  it('refuses options that are not an object', () => {
    expect(codeOf(() => proxy('http://127.0.0.1:1/', null as never))).toBe(
      'TROWEL_ERR_PROXY_OPTIONS',
    );
  });

  it('accepts timeouts of 0, which turn them off', () => {
    expect(
      codeOf(() => proxy('http://x/', { timeouts: { connect: 0, headers: 0, body: 0 } })),
    ).toBe(undefined);
  });

  it('does not change the options it was given', () => {
    const options = Object.freeze({
      methods: Object.freeze(['get']),
      timeouts: Object.freeze({ connect: 5 }),
    });
    proxy('http://x/', options);
    expect(options.methods).toEqual(['get']);
  });
});

describe('proxy() connection pool', () => {
  it('sends with the dispatcher it was given', async () => {
    const up = await upstream();
    let dispatched = 0;
    const agent = new Agent().compose((dispatch): Dispatcher['dispatch'] => (options, handler) => {
      dispatched++;
      return dispatch(options, handler);
    });
    const server = await front(proxy(up.url, { dispatcher: agent }));
    await send(`${server.url}/`);
    expect(dispatched).toBe(1);
    await agent.close();
  });

  it('reuses upstream connections', async () => {
    const up = await upstream();
    let connections = 0;
    up.server.on('connection', () => connections++);
    const server = await front(proxy(up.url));
    for (let i = 0; i < 3; i++) await send(`${server.url}/`);
    expect(connections).toBe(1);
  });

  it('closes its upstream connections when the server closes, and opens new ones after', async () => {
    const up = await upstream();
    const closed: Promise<void>[] = [];
    up.server.on('connection', (socket) => {
      closed.push(
        new Promise((resolve) => {
          socket.on('close', () => {
            resolve();
          });
        }),
      );
    });
    const app = proxy(up.url);
    const first = await front(app);
    await send(`${first.url}/`);
    await first.close();
    await Promise.all(closed);
    const second = await front(app);
    expect((await send(`${second.url}/`)).status).toBe(200);
  });

  it('logs a failure with console.error when no onError is given', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const idle = createServer();
    await new Promise<void>((resolve) => idle.listen(0, '127.0.0.1', resolve));
    const { port } = idle.address() as AddressInfo;
    await new Promise((resolve) => idle.close(resolve));
    const app = proxy(`http://127.0.0.1:${String(port)}`);
    const request = new Request('http://front.example/');
    expect((await app(request, new Context(request))).status).toBe(502);
    expect(log).toHaveBeenCalledTimes(1);
  });
});
