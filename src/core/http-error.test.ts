import { getRequestListener } from '@hono/node-server';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from './config-error.ts';
import { Context } from './context.ts';
import { toFetch, type Handler } from './handler.ts';
import type * as Base from './http-error-base.ts';
import {
  Found,
  HttpClientError,
  HttpError,
  HttpRedirect,
  HttpServerError,
  MethodNotAllowed,
  NotFound,
  NotModified,
  ProxyAuthenticationRequired,
  RangeNotSatisfiable,
  Unauthorized,
  UpgradeRequired,
  errorClassFor,
  httpError,
  httpErrors,
  isHttpError,
  type HttpErrorsOptions,
} from './http-error.ts';

async function run(handler: Handler, init: RequestInit = {}, options?: HttpErrorsOptions) {
  const request = new Request('http://example.test/page', init);
  return httpErrors(options)(handler)(request, new Context(request));
}

/** Loads the base module a second time, as a second copy of trowel would be. */
async function secondCopy(): Promise<typeof Base> {
  const specifier = './http-error-base.ts?copy=2';
  return (await import(/* @vite-ignore */ specifier)) as typeof Base;
}

describe('errorClassFor', () => {
  it('returns the named class of a status', () => {
    expect(errorClassFor(404)).toBe(NotFound);
    expect(errorClassFor(405)).toBe(MethodNotAllowed);
  });

  it.each([
    [399, HttpRedirect, 'Redirection'],
    [499, HttpClientError, 'Client Error'],
    [599, HttpServerError, 'Server Error'],
  ])('returns one generic class for the unnamed status %i', (status, Group, title) => {
    const Class = errorClassFor(status);
    expect(errorClassFor(status)).toBe(Class);
    expect(Class.status).toBe(status);
    expect(Class.title).toBe(title);
    expect(Class.prototype).toBeInstanceOf(Group);
  });

  it.each([299, 600, 404.5, Number.NaN, 100, 204])('throws RangeError for %d', (status) => {
    expect(() => errorClassFor(status)).toThrow(RangeError);
    expect(() => httpError(status)).toThrow(RangeError);
  });
});

describe('httpError', () => {
  it('builds the named class with detail and options', () => {
    const cause = new Error('db');
    const error = httpError(404, 'gone fishing', { cause, headers: { 'x-a': '1' } });
    expect(error).toBeInstanceOf(NotFound);
    expect(error.detail).toBe('gone fishing');
    expect(error.cause).toBe(cause);
    expect(error.headers.get('x-a')).toBe('1');
  });

  it('builds a generic error for an unnamed status', async () => {
    const error = httpError(499, 'client closed');
    expect(error).toBeInstanceOf(errorClassFor(499));
    expect(error).toBeInstanceOf(HttpClientError);
    expect(error.name).toBe('HttpError');
    const response = error.toResponse();
    expect(response.status).toBe(499);
    expect(await response.text()).toBe('499 Client Error\n\nclient closed\n');
  });

  it.each([301, 302, 303, 305, 307, 308])('reads Location from headers for %i', (status) => {
    const error = httpError(status, undefined, { headers: { location: '/next' } });
    expect(error).toBeInstanceOf(errorClassFor(status));
    expect(error.headers.get('location')).toBe('/next');
  });

  it('reads the challenges of 401 and 407 from headers', () => {
    const unauthorized = httpError(401, undefined, {
      headers: { 'www-authenticate': 'Basic realm="a", charset="UTF-8"' },
    });
    expect(unauthorized).toBeInstanceOf(Unauthorized);
    expect(unauthorized.headers.get('www-authenticate')).toBe('Basic realm="a", charset="UTF-8"');
    const proxy = httpError(407, undefined, { headers: { 'proxy-authenticate': 'Basic' } });
    expect(proxy).toBeInstanceOf(ProxyAuthenticationRequired);
  });

  it('reads the Allow list of 405 from headers', () => {
    const error = httpError(405, undefined, { headers: { allow: 'GET, ,HEAD' } });
    expect(error).toBeInstanceOf(MethodNotAllowed);
    expect(error instanceof MethodNotAllowed && error.allow).toEqual(['GET', 'HEAD']);
  });

  it('reads the Upgrade list of 426 from headers', () => {
    const error = httpError(426, undefined, { headers: { upgrade: 'HTTP/2.0, websocket' } });
    expect(error).toBeInstanceOf(UpgradeRequired);
    expect(error.headers.get('upgrade')).toBe('HTTP/2.0, websocket');
  });

  it.each([301, 302, 303, 305, 307, 308, 401, 405, 407, 426])(
    'throws TypeError when %i lacks its required header field',
    (status) => {
      expect(() => httpError(status)).toThrow(TypeError);
    },
  );

  it('builds classes with options of their own from plain options', () => {
    expect(httpError(416)).toBeInstanceOf(RangeNotSatisfiable);
  });
});

describe('isHttpError', () => {
  it.each([
    ['an HttpError', new NotFound(), true],
    ['a plain Error', new Error('x'), false],
    ['an object with status', { status: 404, title: 'Not Found' }, false],
    ['null', null, false],
    ['a string', 'NotFound', false],
    ['a brand set to something else', { [Symbol.for('trowel.http-error')]: 'yes' }, false],
  ])('says %s is %s', (_, value, expected) => {
    expect(isHttpError(value)).toBe(expected);
  });

  it('recognises an HttpError from another copy of trowel', async () => {
    const copy = await secondCopy();
    expect(copy.HttpError).not.toBe(HttpError);
    class Teapot extends copy.HttpError {
      static override readonly status = 418;
      static override readonly title = "I'm a teapot";
    }
    const error = new Teapot('short and stout');
    expect(error).not.toBeInstanceOf(HttpError);
    expect(isHttpError(error)).toBe(true);
    expect(copy.isHttpError(new NotFound())).toBe(true);
  });
});

describe('httpErrors', () => {
  it('answers an HttpError thrown synchronously with its response', async () => {
    let ran = false;
    const response = await run(() => {
      ran = true;
      throw new NotFound('no page');
    });
    expect(ran).toBe(true);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('404 Not Found\n\nno page\n');
  });

  it('answers a rejected HttpError with its response, negotiated from the request', async () => {
    const response = await run(
      async () => {
        await Promise.resolve();
        throw new Found('/login');
      },
      { headers: { accept: 'text/html' } },
    );
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/login');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toContain('<a href="/login">/login</a>');
  });

  it('answers HEAD with no body', async () => {
    const response = await run(
      () => {
        throw new MethodNotAllowed(['GET']);
      },
      { method: 'HEAD' },
    );
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(response.body).toBeNull();
  });

  it('passes a normal response through untouched', async () => {
    const ok = new Response('fine', { status: 201 });
    const response = await run(() => ok);
    expect(response).toBe(ok);
  });

  it.each<[string, unknown]>([
    ['a TypeError', new TypeError('bug')],
    ['a string', 'thrown string'],
    ['an object with status', { status: 404 }],
  ])('lets %s propagate', async (_, thrown) => {
    await expect(
      run(() => {
        throw thrown;
      }),
    ).rejects.toBe(thrown);
  });

  it('lets a rejected non-HttpError propagate', async () => {
    const failure = new Error('db down');
    await expect(run(() => Promise.reject(failure))).rejects.toBe(failure);
  });

  it('answers an HttpError from another copy of trowel', async () => {
    const copy = await secondCopy();
    class Gone extends copy.HttpError {
      static override readonly status = 410;
      static override readonly title = 'Gone';
    }
    const response = await run(() => {
      throw new Gone('moved out');
    });
    expect(response.status).toBe(410);
    expect(await response.text()).toBe('410 Gone\n\nmoved out\n');
  });

  it('calls onError with the error and the request before answering', async () => {
    const onError = vi.fn<NonNullable<HttpErrorsOptions['onError']>>();
    const error = new NotFound();
    const response = await run(
      () => {
        throw error;
      },
      {},
      { onError },
    );
    expect(response.status).toBe(404);
    expect(onError).toHaveBeenCalledOnce();
    expect(onError.mock.calls[0]?.[0]).toBe(error);
    expect(onError.mock.calls[0]?.[1].url).toBe('http://example.test/page');
  });

  it('does not call onError for a normal response', async () => {
    const onError = vi.fn();
    await run(() => new Response('ok'), {}, { onError });
    expect(onError).not.toHaveBeenCalled();
  });

  it('lets an exception from onError propagate', async () => {
    const failure = new Error('logger broke');
    const onError = (): never => {
      throw failure;
    };
    await expect(
      run(
        () => {
          throw new NotFound();
        },
        {},
        { onError },
      ),
    ).rejects.toBe(failure);
  });

  it('throws ConfigError when built with an onError that is not a function', () => {
    const options = { onError: 'log' } as unknown as HttpErrorsOptions;
    expect(() => httpErrors(options)).toThrow(ConfigError);
    expect(() => httpErrors(options)).toThrow(
      expect.objectContaining({ code: 'TROWEL_ERR_HTTP_ERRORS_ON_ERROR' }),
    );
  });
});

describe('httpErrors over a real socket', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const app = httpErrors()((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/cached') throw new NotModified(undefined, { headers: { etag: '"v1"' } });
      if (path === '/old') throw new Found('/new?name=José');
      throw new NotFound(`no page at ${path}`);
    });
    const listener = getRequestListener(toFetch(app));
    server = createServer((incoming, outgoing) => {
      void listener(incoming, outgoing);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  /** Sends raw request bytes and returns everything the server writes before closing. */
  async function raw(head: string): Promise<string> {
    const socket = connect(port, '127.0.0.1');
    socket.end(`${head}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('latin1');
  }

  it('sends the status line, the negotiated type and the escaped body', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/missing`, {
      headers: { accept: 'text/html' },
    });
    expect(response.status).toBe(404);
    expect(response.statusText).toBe('Not Found');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toContain('<p>no page at /missing</p>');
  });

  it('sends a redirect with Location and a percent-encoded target', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/old`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/new?name=Jos%C3%A9');
  });

  it('sends HEAD and 304 with no body bytes, and 304 without Content-Type', async () => {
    const head = await raw('HEAD /missing HTTP/1.1');
    expect(head).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(head).toMatch(/\r\n\r\n$/);
    const notModified = await raw('GET /cached HTTP/1.1');
    expect(notModified).toMatch(/^HTTP\/1\.1 304 Not Modified\r\n/);
    expect(notModified.toLowerCase()).not.toContain('content-type');
    expect(notModified.toLowerCase()).toContain('etag: "v1"');
    expect(notModified).toMatch(/\r\n\r\n$/);
  });
});
