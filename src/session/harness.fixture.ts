/**
 * Test helpers for trowel/session: a store wrapper that counts calls, and a one-call request
 * runner that reads back the session cookie.
 */
import { Context } from '../core/context.ts';
import { parseSetCookie, type SetCookie } from '../core/cookies.ts';
import type { Handler } from '../core/handler.ts';
import { session } from './middleware.ts';
import { SESSION } from './session.ts';
import type { SessionRecord, SessionStore, StoredSession } from './store.ts';

/** A store that records every call (method and id) before passing it on. */
export class CountingStore implements SessionStore {
  readonly calls: string[] = [];
  readonly inner: SessionStore;

  constructor(inner: SessionStore) {
    this.inner = inner;
  }

  count(method: string): number {
    return this.calls.filter((c) => c.startsWith(`${method} `)).length;
  }

  get(id: string): Promise<StoredSession | undefined> {
    this.calls.push(`get ${id}`);
    return this.inner.get(id);
  }

  set(id: string, record: SessionRecord, ttl: number): Promise<void> {
    this.calls.push(`set ${id}`);
    return this.inner.set(id, record, ttl);
  }

  touch(id: string, ttl: number): Promise<void> {
    this.calls.push(`touch ${id}`);
    return this.inner.touch(id, ttl);
  }

  destroy(id: string): Promise<void> {
    this.calls.push(`destroy ${id}`);
    return this.inner.destroy(id);
  }
}

/** What one request through the middleware gave back. */
export interface Sent {
  readonly response: Response;
  readonly body: string;
  /** The `Set-Cookie` headers, as a browser reads them. */
  readonly cookies: readonly SetCookie[];
}

/** Sends one request; `cookie` is the raw `Cookie` header value. */
export async function send(
  handler: Handler,
  options: { readonly cookie?: string; readonly scheme?: string; readonly path?: string } = {},
): Promise<Sent> {
  const scheme = options.scheme ?? 'http';
  const request = new Request(`${scheme}://example.test${options.path ?? '/'}`, {
    headers: options.cookie === undefined ? {} : { cookie: options.cookie },
  });
  const response = await handler(request, new Context(request, { scheme }));
  const cookies = response.headers
    .getSetCookie()
    .map((h) => parseSetCookie(h))
    .filter((c) => c !== undefined);
  return { response, body: await response.text(), cookies };
}

/** A session middleware whose requests load the session, then wait for their gate before changing it. */
export function gated(store: SessionStore): {
  h: Handler;
  gate: (name: string) => { loaded: Promise<unknown>; go: () => void };
} {
  const gates = new Map<string, { loaded: () => void; wait: Promise<unknown> }>();
  const gate = (name: string): { loaded: Promise<unknown>; go: () => void } => {
    const loaded = Promise.withResolvers();
    const go = Promise.withResolvers();
    gates.set(name, {
      loaded: () => {
        loaded.resolve(undefined);
      },
      wait: go.promise,
    });
    return {
      loaded: loaded.promise,
      go: () => {
        go.resolve(undefined);
      },
    };
  };
  const h = session({ store })(async (request, ctx) => {
    const s = ctx.require(SESSION);
    const url = new URL(request.url);
    await s.load();
    const g = gates.get(url.searchParams.get('gate') ?? '');
    if (g) {
      g.loaded();
      await g.wait;
    }
    const op = url.searchParams.get('op');
    const key = url.searchParams.get('key') ?? '';
    if (op === 'set') await s.set(key, url.searchParams.get('value') ?? '');
    if (op === 'delete') await s.delete(key);
    if (op === 'destroy') await s.destroy();
    if (op === 'regenerate') await s.regenerate();
    return Response.json(
      Object.fromEntries(await Promise.all((await s.keys()).map(async (k) => [k, await s.get(k)]))),
    );
  });
  return { h, gate };
}

export async function startSession(h: Handler): Promise<string> {
  const { cookies } = await send(h, { path: '/?op=set&key=start&value=1' });
  return `trowel_session=${cookies[0]?.value ?? ''}`;
}

export async function race(
  h: Handler,
  gate: ReturnType<typeof gated>['gate'],
  cookie: string,
  first: string,
  second: string,
): Promise<void> {
  const a = gate('a');
  const b = gate('b');
  const ra = send(h, { cookie, path: `/?gate=a&${first}` });
  const rb = send(h, { cookie, path: `/?gate=b&${second}` });
  // Both requests have loaded the same version before either changes it.
  await Promise.all([a.loaded, b.loaded]);
  a.go();
  await ra;
  b.go();
  await rb;
}
