import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handler } from '../core/handler.ts';
import { serve } from '../server/index.ts';
import { TestApp } from './index.ts';

describe('TestApp against a live server', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  const site: Handler = async (request) => {
    const url = new URL(request.url);
    if (url.pathname.endsWith('/login')) {
      return new Response(null, {
        status: 303,
        headers: { location: '/home', 'set-cookie': 'sid=live; Path=/' },
      });
    }
    return Response.json({
      path: url.pathname,
      method: request.method,
      body: await request.text(),
      cookie: request.headers.get('cookie'),
    });
  };

  beforeAll(async () => {
    server = await serve(site, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('sends requests over HTTP', async () => {
    const app = new TestApp(server.url);
    expect(app.live).toBe(true);
    const res = await app.post('/form', { params: { a: '1' } });
    expect(res.json).toEqual({ path: '/form', method: 'POST', body: 'a=1', cookie: null });
  });

  it('does not follow redirects by itself, and keeps the cookies they set', async () => {
    const app = new TestApp(server.url);
    const res = await app.get('/login');
    expect([res.status, res.location]).toEqual([303, `${server.url}/home`]);
    const home = await res.follow();
    expect(home.json).toMatchObject({ path: '/home', cookie: 'sid=live' });
  });

  it('puts paths under the path of the base URL', async () => {
    const app = new TestApp(`${server.url}/prefix/`);
    expect((await app.get('/x')).json).toMatchObject({ path: '/prefix/x' });
  });

  it('refuses context options, which cannot reach a server', () => {
    expect(() => new TestApp(server.url, { context: () => undefined })).toThrow(
      expect.objectContaining({ code: 'TROWEL_ERR_TESTING_OPTIONS' }),
    );
  });

  it('checks the status of a live response', async () => {
    const app = new TestApp(new URL(server.url));
    await expect(app.get('/login', { status: 200 })).rejects.toThrow(/Bad response: 303 See Other/);
  });
});
