import { describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { serve } from './index.ts';

describe('serve()', () => {
  it('rejects a handler that is not a function with TROWEL_ERR_SERVER_INVALID_HANDLER', async () => {
    const error: unknown = await serve('app' as never).catch((e: unknown) => e);
    expect(isConfigError(error) && error.code).toBe('TROWEL_ERR_SERVER_INVALID_HANDLER');
  });

  it('rejects a bad option before listening', async () => {
    const error: unknown = await serve(() => new Response(''), { port: -1 }).catch(
      (e: unknown) => e,
    );
    expect(isConfigError(error) && error.code).toBe('TROWEL_ERR_SERVER_INVALID_OPTION');
  });

  it('rejects with the listen error when the port is taken', async () => {
    const first = await serve(() => new Response(''), { port: 0 });
    try {
      const error: unknown = await serve(() => new Response(''), { port: first.port }).catch(
        (e: unknown) => e,
      );
      expect((error as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    } finally {
      await first.close();
    }
  });

  it('reports where it listens through onListen', async () => {
    let seen: unknown;
    const server = await serve(() => new Response(''), {
      port: 0,
      onListen: (info) => {
        seen = info;
      },
    });
    await server.close();
    expect(seen).toEqual({ url: server.url, host: '127.0.0.1', port: server.port });
  });

  it('listens on IPv6 and brackets the address in the url', async () => {
    const server = await serve(() => new Response('six'), { port: 0, host: '::1' });
    try {
      expect(server.url).toBe(`http://[::1]:${server.port}`);
      expect(await (await fetch(server.url)).text()).toBe('six');
    } finally {
      await server.close();
    }
  });

  it('logs handler errors to stderr when no onError is given', async () => {
    const logged: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => {
      logged.push(args);
    };
    const server = await serve(
      () => {
        throw new Error('boom');
      },
      { port: 0 },
    );
    try {
      expect((await fetch(`${server.url}/where`)).status).toBe(500);
    } finally {
      console.error = original;
      await server.close();
    }
    expect(String(logged[0]?.[0])).toContain(`GET ${server.url}/where`);
    expect(logged[0]?.[1]).toEqual(new Error('boom'));
  });
});
