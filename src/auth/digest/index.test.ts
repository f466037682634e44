import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { isConfigError } from '../../core/config-error.ts';
import { Context } from '../../core/context.ts';
import type { Handler } from '../../core/handler.ts';
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import {
  digestAuth,
  digestHa1,
  digestResponse,
  digestUserhash,
  type DigestAlgorithm,
  type DigestAuthOptions,
} from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'trowel-digest-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

const REALM = 'test realm';
const passwordFor = (user: string): string | undefined =>
  user === 'alice' ? 'wonderland' : undefined;

interface Seen {
  user: string | undefined;
  type: string | undefined;
  authorization: string | null;
  body: string;
}

function server(options: Readonly<Record<string, unknown>> = {}): {
  send: (path: string, init?: RequestInit) => Promise<Response>;
  seen: () => Seen | undefined;
} {
  let seen: Seen | undefined;
  const app: Handler = async (request, ctx) => {
    seen = {
      user: ctx.get(REMOTE_USER),
      type: ctx.get(AUTH_TYPE),
      authorization: request.headers.get('authorization'),
      body: await request.text(),
    };
    return new Response('inner');
  };
  const handler = digestAuth({ realm: REALM, passwordFor, ...options })(app);
  return {
    send: async (path, init) => {
      seen = undefined;
      const request = new Request(`http://example.test${path}`, init);
      return handler(request, new Context(request));
    },
    seen: () => seen,
  };
}

/** The parameters of the first challenge offering `algorithm` (or the first one). */
function challengeOf(response: Response, algorithm?: string): Map<string, string> {
  const field = response.headers.get('www-authenticate') ?? '';
  const challenges = field.split(/,\s*(?=Digest )/);
  const chosen =
    challenges.find((c) => algorithm === undefined || c.includes(`algorithm=${algorithm},`)) ?? '';
  const params = new Map<string, string>();
  for (const m of chosen.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g)) {
    params.set(m[1] ?? '', (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1'));
  }
  return params;
}

interface Answer {
  user?: string;
  password?: string;
  algorithm?: DigestAlgorithm;
  uri?: string;
  method?: string;
  nc?: string;
  qop?: 'auth' | 'auth-int';
  body?: string;
  extra?: string;
  nonce?: string;
  opaque?: string;
}

function authorization(challenge: Map<string, string>, a: Answer = {}): string {
  const algorithm = a.algorithm ?? 'SHA-256';
  const user = a.user ?? 'alice';
  const hash = algorithm.replace('-sess', '') as 'MD5' | 'SHA-256';
  const nonce = a.nonce ?? challenge.get('nonce') ?? '';
  const common = {
    algorithm,
    ha1: digestHa1(hash, user, REALM, a.password ?? 'wonderland'),
    nonce,
    nc: a.nc ?? '00000001',
    cnonce: 'abcdef0123',
    qop: a.qop ?? 'auth',
    method: a.method ?? 'GET',
    uri: a.uri ?? '/',
  } as const;
  const response = digestResponse(
    a.body === undefined ? common : { ...common, bodyHash: sha(hash, a.body) },
  );
  return (
    `Digest username="${user}", realm="${REALM}", nonce="${nonce}", uri="${common.uri}", ` +
    `algorithm=${algorithm}, qop=${common.qop}, nc=${common.nc}, cnonce="${common.cnonce}", ` +
    `response="${response}", opaque="${a.opaque ?? challenge.get('opaque') ?? ''}"${a.extra ?? ''}`
  );
}

function sha(hash: 'MD5' | 'SHA-256', body: string): string {
  return createHash(hash === 'MD5' ? 'md5' : 'sha256')
    .update(body)
    .digest('hex');
}

async function login(
  s: ReturnType<typeof server>,
  a: Answer = {},
  path = a.uri ?? '/',
  init: RequestInit = {},
): Promise<Response> {
  const challenge = challengeOf(await s.send(path), a.algorithm?.replace('-sess', ''));
  return s.send(path, { ...init, headers: { authorization: authorization(challenge, a) } });
}

describe('digestAuth()', () => {
  it('challenges with SHA-256 first, then MD5, each with nonce, opaque, qop and charset', async () => {
    const response = await server().send('/');
    expect(response.status).toBe(401);
    const field = response.headers.get('www-authenticate') ?? '';
    expect(field).toMatch(
      /^Digest realm="test realm", qop="auth", algorithm=SHA-256, nonce="[\w-]{48}", opaque="[\w-]{22}", charset=UTF-8, Digest realm="test realm", qop="auth", algorithm=MD5, nonce="[\w-]{48}", opaque="[\w-]{22}", charset=UTF-8$/,
    );
  });

  it.each(['SHA-256', 'MD5', 'SHA-256-sess', 'MD5-sess'] as const)(
    'lets a right %s answer through with REMOTE_USER and AUTH_TYPE set',
    async (algorithm) => {
      const s = server();
      const response = await login(s, { algorithm });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('inner');
      expect(s.seen()).toMatchObject({ user: 'alice', type: 'Digest', authorization: null });
    },
  );

  it('sends Authentication-Info with the rspauth of RFC 7616 §3.5', async () => {
    const s = server();
    const challenge = challengeOf(await s.send('/'), 'SHA-256');
    const response = await s.send('/', { headers: { authorization: authorization(challenge) } });
    const rspauth = digestResponse({
      algorithm: 'SHA-256',
      ha1: digestHa1('SHA-256', 'alice', REALM, 'wonderland'),
      nonce: challenge.get('nonce') ?? '',
      nc: '00000001',
      cnonce: 'abcdef0123',
      qop: 'auth',
      method: '',
      uri: '/',
    });
    expect(response.headers.get('authentication-info')).toBe(
      `qop=auth, rspauth="${rspauth}", cnonce="abcdef0123", nc=00000001`,
    );
  });

  it('challenges a wrong password without stale', async () => {
    const s = server();
    const response = await login(s, { password: 'wrong' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).not.toContain('stale');
    expect(s.seen()).toBeUndefined();
  });

  it('challenges an unknown user', async () => {
    expect((await login(server(), { user: 'mallory' })).status).toBe(401);
  });

  it('refuses a replayed Authorization with 401 and stale=true', async () => {
    const s = server();
    const challenge = challengeOf(await s.send('/'), 'SHA-256');
    const headers = { authorization: authorization(challenge) };
    expect((await s.send('/', { headers })).status).toBe(200);
    const replay = await s.send('/', { headers });
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toContain('stale=true');
    expect(s.seen()).toBeUndefined();
  });

  it('accepts the same nonce again with a greater nc', async () => {
    const s = server();
    const challenge = challengeOf(await s.send('/'), 'SHA-256');
    const first = await s.send('/', { headers: { authorization: authorization(challenge) } });
    const second = await s.send('/', {
      headers: { authorization: authorization(challenge, { nc: '00000002' }) },
    });
    expect([first.status, second.status]).toEqual([200, 200]);
  });

  it('allows replays when ncCheck is off', async () => {
    const s = server({ ncCheck: false });
    const challenge = challengeOf(await s.send('/'), 'SHA-256');
    const headers = { authorization: authorization(challenge) };
    expect((await s.send('/', { headers })).status).toBe(200);
    expect((await s.send('/', { headers })).status).toBe(200);
  });

  it('answers an expired nonce with 401 and stale=true', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const s = server({ nonceLifetime: 10 });
    const challenge = challengeOf(await s.send('/'), 'SHA-256');
    vi.setSystemTime(Date.now() + 11_000);
    const response = await s.send('/', { headers: { authorization: authorization(challenge) } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('stale=true');
  });

  it('answers 400 when a response made for / is used on /admin', async () => {
    const s = server();
    const challenge = challengeOf(await s.send('/'), 'SHA-256');
    const response = await s.send('/admin', {
      headers: { authorization: authorization(challenge, { uri: '/' }) },
    });
    expect(response.status).toBe(400);
    expect(s.seen()).toBeUndefined();
  });

  it('checks the query string as part of the uri', async () => {
    const s = server();
    expect((await login(s, { uri: '/a?x=1' })).status).toBe(200);
    const challenge = challengeOf(await s.send('/a?x=2'), 'SHA-256');
    const response = await s.send('/a?x=2', {
      headers: { authorization: authorization(challenge, { uri: '/a?x=1' }) },
    });
    expect(response.status).toBe(400);
  });

  it('accepts the absolute form of the request-target as uri', async () => {
    expect((await login(server(), { uri: 'http://example.test/p' }, '/p')).status).toBe(200);
  });

  it.each([
    ['a client-invented nonce', { nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093' }],
    ['a changed opaque', { opaque: 'x' }],
  ])('challenges %s without stale', async (_name, answer) => {
    const s = server();
    const response = await login(s, answer);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).not.toContain('stale');
  });

  it('challenges a nonce issued with another secret', async () => {
    const other = server({ secret: 'another secret of enough length' });
    const challenge = challengeOf(await other.send('/'), 'SHA-256');
    const s = server({ secret: 'the secret of this very server' });
    const response = await s.send('/', { headers: { authorization: authorization(challenge) } });
    expect(response.status).toBe(401);
  });

  it('accepts a nonce issued by another instance with the same secret', async () => {
    const secret = 'a secret shared by every worker';
    const challenge = challengeOf(await server({ secret }).send('/'), 'SHA-256');
    const response = await server({ secret }).send('/', {
      headers: { authorization: authorization(challenge) },
    });
    expect(response.status).toBe(200);
  });

  it.each<[string, Answer, Record<string, unknown>]>([
    ['an algorithm not offered', { algorithm: 'MD5' }, { algorithms: ['SHA-256'] }],
    ['qop=auth-int when not offered', { qop: 'auth-int', body: '' }, {}],
  ])('answers 400 for %s', async (_name, answer, options) => {
    const s = server(options);
    const challenge = challengeOf(await s.send('/'));
    const response = await s.send('/', {
      headers: { authorization: authorization(challenge, answer) },
    });
    expect(response.status).toBe(400);
  });

  it('answers 400 for a malformed Authorization', async () => {
    const response = await server().send('/', { headers: { authorization: 'Digest' } });
    expect(response.status).toBe(400);
  });

  it('checks the body with qop=auth-int and hands it on', async () => {
    const s = server({ qop: ['auth', 'auth-int'] });
    const init = { method: 'POST', body: 'payload' };
    const ok = await login(s, { qop: 'auth-int', method: 'POST', body: 'payload' }, '/', init);
    expect(ok.status).toBe(200);
    expect(s.seen()?.body).toBe('payload');
    const bad = await login(s, { qop: 'auth-int', method: 'POST', body: 'other' }, '/', init);
    expect(bad.status).toBe(401);
  });

  it('reads users from an htdigest file, MD5 only', async () => {
    const path = join(dir, 'htdigest');
    writeFileSync(path, `alice:${REALM}:${digestHa1('MD5', 'alice', REALM, 'wonderland')}\n`);
    const s = server({ htdigest: path, passwordFor: undefined });
    const first = await s.send('/');
    expect(first.headers.get('www-authenticate')).toContain('algorithm=MD5');
    expect(first.headers.get('www-authenticate')).not.toContain('SHA-256');
    expect((await login(s, { algorithm: 'MD5' })).status).toBe(200);
  });

  it('accepts a hashed user name when userhash is offered (RFC 7616 §3.4.4)', async () => {
    const path = join(dir, 'htdigest-userhash');
    writeFileSync(path, `alice:${REALM}:${digestHa1('MD5', 'alice', REALM, 'wonderland')}\n`);
    const s = server({
      htdigest: path,
      passwordFor: undefined,
      userhash: true,
    });
    const challenge = challengeOf(await s.send('/'));
    expect(challenge.get('userhash')).toBe('true');
    const field = authorization(challenge, { algorithm: 'MD5' }).replace(
      'username="alice"',
      `username="${digestUserhash('MD5', 'alice', REALM)}"`,
    );
    const response = await s.send('/', { headers: { authorization: `${field}, userhash=true` } });
    expect(response.status).toBe(200);
    expect(s.seen()?.user).toBe('alice');
  });

  it('uses ha1For to look up stored hashes', async () => {
    const s = server({
      passwordFor: undefined,
      ha1For: (user: string, realm: string, hash: 'MD5' | 'SHA-256') =>
        user === 'alice' ? digestHa1(hash, user, realm, 'wonderland') : undefined,
    });
    expect((await login(s)).status).toBe(200);
  });

  it.each([
    ['no user source', { realm: 'r' }, 'TROWEL_ERR_AUTH_DIGEST_OPTIONS'],
    [
      'two user sources',
      { realm: 'r', passwordFor, ha1For: () => undefined },
      'TROWEL_ERR_AUTH_DIGEST_OPTIONS',
    ],
    [
      'an unknown algorithm',
      { realm: 'r', passwordFor, algorithms: ['SHA-1'] },
      'TROWEL_ERR_AUTH_DIGEST_ALGORITHM',
    ],
    [
      'SHA-256 with htdigest',
      { realm: 'r', htdigest: '/dev/null', algorithms: ['SHA-256'] },
      'TROWEL_ERR_AUTH_DIGEST_ALGORITHM',
    ],
    [
      'a short secret',
      { realm: 'r', passwordFor, secret: 'short' },
      'TROWEL_ERR_AUTH_DIGEST_SECRET',
    ],
    [
      'a missing htdigest file',
      { realm: 'r', htdigest: join(dir, 'none') },
      'TROWEL_ERR_AUTH_DIGEST_HTDIGEST',
    ],
    [
      'userhash without htdigest',
      { realm: 'r', passwordFor, userhash: true },
      'TROWEL_ERR_AUTH_DIGEST_OPTIONS',
    ],
    [
      'a zero nonce lifetime',
      { realm: 'r', passwordFor, nonceLifetime: 0 },
      'TROWEL_ERR_AUTH_DIGEST_OPTIONS',
    ],
    ['a realm with a newline', { realm: 'a\nb', passwordFor }, 'TROWEL_ERR_AUTH_DIGEST_REALM'],
  ])('refuses %s when built', (_name, options, code) => {
    let error: unknown;
    try {
      digestAuth(options as unknown as DigestAuthOptions);
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error) && error.code).toBe(code);
  });
});
