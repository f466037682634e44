import { describe, expect, it } from 'vitest';
import { Context } from './context.ts';
import { compose, toFetch, type Middleware } from './handler.ts';

const record =
  (log: string[], name: string): Middleware =>
  (next) =>
  async (request, ctx) => {
    log.push(`${name}:in`);
    const response = await next(request, ctx);
    log.push(`${name}:out`);
    return response;
  };

describe('compose', () => {
  it('runs the first middleware first on the way in and last on the way out', async () => {
    const log: string[] = [];
    const app = compose(
      record(log, 'a'),
      record(log, 'b'),
    )(() => {
      log.push('app');
      return new Response('ok');
    });
    const request = new Request('http://x/');
    const response = await app(request, new Context(request));
    expect(await response.text()).toBe('ok');
    expect(log).toEqual(['a:in', 'b:in', 'app', 'b:out', 'a:out']);
  });

  it('returns the app itself when given no middleware', () => {
    const app = (): Response => new Response('ok');
    expect(compose()(app)).toBe(app);
  });
});

describe('toFetch', () => {
  it('gives a handler a root context built from the request', async () => {
    const fetchLike = toFetch(
      (request, ctx) => new Response(`${ctx.scheme} ${ctx.host} ${ctx.pathInfo}`),
    );
    const response = await fetchLike(new Request('https://example.com/p'));
    expect(await response.text()).toBe('https example.com /p');
  });
});
