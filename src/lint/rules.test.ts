import { describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import type { Handler, Middleware } from '../core/handler.ts';
import { lint, rules, type LintFinding } from './index.ts';

/** One exchange through lint (warn mode, findings collected), and what to do with its response. */
interface Scenario {
  /** The app under lint; `nested` is a second lint reporting to the same list. */
  readonly app: (nested: Middleware) => (request: never, ctx: never) => unknown;
  readonly request?: () => unknown;
  readonly ctx?: (request: Request) => unknown;
  /** Read the response body to the end (the default) or cancel it. */
  readonly read?: 'text' | 'cancel';
  /** Runs after the response was read. */
  readonly after?: () => Promise<unknown>;
}

const ok = (body = 'ok'): Response =>
  new Response(body, { headers: { 'content-type': 'text/plain' } });
const get = (url = 'http://localhost/', init?: RequestInit): Request => new Request(url, init);
const peer = (request: Request, init = {}): Context =>
  new Context(request, { remoteAddr: '127.0.0.1', ...init });
const post = (body: string, headers: Record<string, string> = {}): Request =>
  new Request('http://localhost/', { method: 'POST', body, headers });
const withHeaders = (headers: HeadersInit, body: BodyInit | null = 'x', status = 200): Response =>
  new Response(body, { status, headers });

async function run(scenario: Scenario): Promise<LintFinding[]> {
  const findings: LintFinding[] = [];
  const nested = lint({ mode: 'warn', onFinding: (f) => findings.push(f) });
  // The scenarios hand lint what a careless caller might: anything at all.
  const app = nested(scenario.app(nested) as unknown as Handler) as unknown as (
    request: unknown,
    ctx: unknown,
  ) => Promise<Response>;
  const request = scenario.request?.() ?? get();
  const ctx = scenario.ctx?.(request as Request) ?? peer(request as Request);
  let response: unknown;
  try {
    response = await app(request, ctx);
  } catch {
    // Thrown errors pass through lint; the findings are what these tests look at.
  }
  if (response instanceof Response && response.body) {
    if (scenario.read === 'cancel') await response.body.cancel();
    else await response.text().catch(() => undefined);
  }
  await scenario.after?.();
  await new Promise((resolve) => setTimeout(resolve, 0));
  return findings;
}

/** A request whose body the app reads only after its response went out. */
function lateReader(): Scenario {
  let pending: Request | undefined;
  return {
    request: () => post('hello'),
    app: () => (request: Request) => {
      pending = request;
      return new Response(null, { status: 202 });
    },
    after: () => pending?.text() ?? Promise.resolve(),
  };
}

/** A middleware that calls the nested app and answers with a response of its own. */
function replacing(cancel: boolean): Scenario {
  return {
    app: (nested) => async (request: Request, ctx: Context) => {
      const inner = await nested(() => ok('inner'))(request, ctx);
      if (cancel) await inner.body?.cancel();
      return ok('outer');
    },
  };
}

function chunks(...values: unknown[]): ReadableStream {
  return new ReadableStream({
    start(controller) {
      for (const value of values) controller.enqueue(value);
      controller.close();
    },
  });
}

interface Row {
  readonly rule: string;
  readonly bad: () => Scenario;
  readonly good: () => Scenario;
  /** Other rules the violating case breaks too. */
  readonly also?: readonly string[];
}

const table: readonly Row[] = [
  {
    rule: 'request-type',
    bad: () => ({ request: () => 'http://localhost/', ctx: () => peer(get()), app: () => ok }),
    good: () => ({ app: () => ok }),
  },
  {
    rule: 'request-url-scheme',
    bad: () => ({
      request: () => get('ftp://localhost/'),
      ctx: (r) => peer(r, { scheme: 'http' }),
      app: () => ok,
    }),
    good: () => ({ request: () => get('https://localhost/'), app: () => ok }),
  },
  {
    rule: 'request-host-mismatch',
    bad: () => ({
      request: () => get('http://a.test/', { headers: { host: 'b.test' } }),
      app: () => ok,
    }),
    good: () => ({
      request: () => get('http://a.test/', { headers: { host: 'A.test:80' } }),
      app: () => ok,
    }),
  },
  {
    rule: 'request-content-length-invalid',
    bad: () => ({ request: () => post('hello', { 'content-length': '5, 5' }), app: () => ok }),
    good: () => ({ request: () => post('hello', { 'content-length': '5' }), app: () => ok }),
  },
  {
    rule: 'request-content-length-mismatch',
    bad: () => ({
      request: () => post('hello', { 'content-length': '3' }),
      app: () => async (request: Request) => ok(await request.text()),
    }),
    good: () => ({
      request: () => post('hello', { 'content-length': '5' }),
      app: () => async (request: Request) => ok(await request.text()),
    }),
  },
  {
    rule: 'request-header-value',
    bad: () => ({ request: () => get(undefined, { headers: { 'x-a': 'a\x01b' } }), app: () => ok }),
    good: () => ({ request: () => get(undefined, { headers: { 'x-a': 'a\tb' } }), app: () => ok }),
  },
  {
    rule: 'request-body-read-after-response',
    bad: lateReader,
    good: () => ({
      request: () => post('hello'),
      app: () => async (request: Request) => ok(await request.text()),
    }),
  },
  {
    rule: 'context-type',
    bad: () => ({ ctx: () => ({ env: {} }), app: () => ok }),
    good: () => ({ app: () => ok }),
  },
  {
    rule: 'context-path-form',
    // A middleware upstream rewrote the context in place (`readonly` is only a compile-time guard).
    bad: () => ({ ctx: (r) => Object.assign(peer(r), { scriptName: '/' }), app: () => ok }),
    good: () => ({ ctx: (r) => peer(r, { scriptName: '', pathInfo: '/' }), app: () => ok }),
  },
  {
    rule: 'context-path-join',
    bad: () => ({
      request: () => get('http://localhost/a/b'),
      ctx: (r) => peer(r, { scriptName: '/x', pathInfo: '/b' }),
      app: () => ok,
    }),
    good: () => ({
      request: () => get('http://localhost/a/b'),
      ctx: (r) => peer(r, { scriptName: '/a', pathInfo: '/b' }),
      app: () => ok,
    }),
  },
  {
    rule: 'context-remote-addr',
    bad: () => ({ ctx: (r) => new Context(r), app: () => ok }),
    good: () => ({ ctx: (r) => new Context(r, { remoteAddr: '::1' }), app: () => ok }),
  },
  {
    rule: 'context-scheme',
    bad: () => ({ ctx: (r) => peer(r, { scheme: 'ws' }), app: () => ok }),
    good: () => ({ ctx: (r) => peer(r, { scheme: 'https' }), app: () => ok }),
  },
  {
    rule: 'response-type',
    bad: () => ({ app: () => () => 'hello' }),
    good: () => ({ app: () => () => ok('hello') }),
  },
  {
    rule: 'response-network-error',
    bad: () => ({ app: () => () => Response.error() }),
    good: () => ({ app: () => () => new Response(null, { status: 204 }) }),
  },
  {
    rule: 'response-body-reused',
    // The handler read its own response (a cache that kept a Response instead of its bytes).
    bad: () => ({
      app: () => async () => {
        const response = ok('once');
        await response.text();
        return response;
      },
    }),
    good: () => ({ app: () => () => ok('fresh') }),
  },
  {
    rule: 'response-body-chunk',
    bad: () => ({ app: () => () => withHeaders({ 'content-type': 'text/plain' }, chunks('text')) }),
    good: () => ({
      app: () => () =>
        withHeaders({ 'content-type': 'text/plain' }, chunks(new TextEncoder().encode('text'))),
    }),
  },
  { rule: 'response-body-unconsumed', bad: () => replacing(false), good: () => replacing(true) },
  {
    rule: 'response-head-body',
    bad: () => ({ request: () => get(undefined, { method: 'HEAD' }), app: () => () => ok('body') }),
    good: () => ({
      request: () => get(undefined, { method: 'HEAD' }),
      app: () => () => withHeaders({ 'content-type': 'text/plain', 'content-length': '4' }, null),
    }),
  },
  {
    rule: 'response-content-type-missing',
    bad: () => ({ app: () => () => new Response(new Uint8Array([1, 2])) }),
    good: () => ({
      app: () => () =>
        withHeaders({ 'content-type': 'application/octet-stream' }, new Uint8Array([1, 2])),
    }),
  },
  {
    rule: 'response-content-length-invalid',
    bad: () => ({ app: () => () => withHeaders({ 'content-length': '+1' }) }),
    good: () => ({ app: () => () => withHeaders({ 'content-length': '1' }) }),
  },
  {
    rule: 'response-content-length-mismatch',
    bad: () => ({ app: () => () => withHeaders({ 'content-length': '3' }, 'hello') }),
    good: () => ({ app: () => () => withHeaders({ 'content-length': '5' }, 'hello') }),
  },
  {
    rule: 'response-content-length-forbidden',
    bad: () => ({ app: () => () => withHeaders({ 'content-length': '0' }, null, 204) }),
    good: () => ({ app: () => () => withHeaders({ 'content-length': '0' }, null, 205) }),
  },
  {
    rule: 'response-content-length-with-transfer-encoding',
    bad: () => ({
      app: () => () => withHeaders({ 'content-length': '1', 'transfer-encoding': 'chunked' }),
    }),
    also: ['response-hop-by-hop-header'],
    good: () => ({ app: () => () => withHeaders({ 'content-length': '1' }) }),
  },
  {
    rule: 'response-hop-by-hop-header',
    bad: () => ({ app: () => () => withHeaders({ 'keep-alive': 'timeout=5' }) }),
    good: () => ({ app: () => () => withHeaders({ connection: 'close' }) }),
  },
  {
    rule: 'response-header-value',
    bad: () => ({ app: () => () => withHeaders({ 'x-a': 'a\x7fb' }) }),
    good: () => ({ app: () => () => withHeaders({ 'x-a': 'a\tb' }) }),
  },
  {
    rule: 'response-set-cookie-folded',
    bad: () => ({ app: () => () => withHeaders({ 'set-cookie': 'a=1; Path=/, b=2' }) }),
    good: () => ({
      app: () => () =>
        withHeaders([
          ['set-cookie', 'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT'],
          ['set-cookie', 'b=2'],
        ]),
    }),
  },
  {
    rule: 'response-http-date',
    bad: () => ({
      app: () => () => withHeaders({ 'last-modified': 'Sunday, 06-Nov-94 08:49:37 GMT' }),
    }),
    good: () => ({
      app: () => () => withHeaders({ 'last-modified': 'Sun, 06 Nov 1994 08:49:37 GMT' }),
    }),
  },
  {
    rule: 'response-expires',
    bad: () => ({ app: () => () => withHeaders({ expires: '0' }) }),
    good: () => ({ app: () => () => withHeaders({ expires: 'Thu, 01 Jan 1970 00:00:00 GMT' }) }),
  },
  {
    rule: 'response-location',
    bad: () => ({ app: () => () => withHeaders({ location: '/a b' }, null, 302) }),
    good: () => ({ app: () => () => withHeaders({ location: '../a%20b?x=1#top' }, null, 302) }),
  },
  {
    rule: 'response-etag',
    bad: () => ({ app: () => () => withHeaders({ etag: 'w/"v1"' }) }),
    good: () => ({ app: () => () => withHeaders({ etag: 'W/"v1"' }) }),
  },
  {
    rule: 'response-304-headers',
    bad: () => ({ app: () => () => withHeaders({ 'content-type': 'text/html' }, null, 304) }),
    good: () => ({
      app: () => () =>
        withHeaders({ etag: '"v1"', 'cache-control': 'max-age=60', vary: 'accept' }, null, 304),
    }),
  },
];

describe('the rule table', () => {
  it('has a violating and a passing case for every rule in the catalogue', () => {
    expect(table.map((row) => row.rule).sort()).toEqual(rules.map((rule) => rule.id).sort());
  });

  it.each(table)('$rule: reports the violating handler', async ({ rule, bad, also = [] }) => {
    const findings = await run(bad());
    expect(findings.map((f) => f.rule)).toEqual([rule, ...also]);
    expect(findings[0]?.severity).toBe(rules.find((r) => r.id === rule)?.severity);
    expect(findings[0]?.message).not.toBe('');
  });

  it.each(table)('$rule: finds nothing wrong with the passing handler', async ({ good }) => {
    expect(await run(good())).toEqual([]);
  });
});
