import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AUTH_TYPE, Context, isConfigError, REMOTE_USER, type Handler } from '../../core/index.ts';
import { serve, type TrowelServer } from '../../server/index.ts';
import { stubCas } from './stub-cas.fixture.ts';
import { CAS_ATTRIBUTES, casAuth, type CasAuthOptions } from './index.ts';

/** The hosts these tests' requests name. */
const HOSTS = ['app.test'];

const secret = 'a test secret that is long enough!';
const stub = stubCas();
let casServer: TrowelServer;
let cas: string;

beforeAll(async () => {
  casServer = await serve(stub.handler, { host: '127.0.0.1', port: 0 });
  cas = `${casServer.url}/cas`;
});
afterAll(() => casServer.close());
afterEach(() => {
  stub.answerWith(undefined);
  stub.validations.length = 0;
  vi.useRealTimers();
});

function setup(options: Partial<CasAuthOptions> = {}) {
  const seen: Context[] = [];
  const app: Handler = (_request, ctx) => {
    seen.push(ctx);
    return new Response('app');
  };
  const handler = casAuth({ server: cas, session: { secret }, hosts: HOSTS, ...options })(app);
  const send = (url: string, cookie?: string) => {
    const request = new Request(url, cookie === undefined ? {} : { headers: { cookie } });
    return handler(request, new Context(request));
  };
  return { seen, send };
}

function cookieOf(response: Response, name = 'trowel_cas'): string {
  const found = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return (found ?? '').split(';')[0] ?? '';
}

describe('casAuth without a login', () => {
  it('redirects to the CAS login page with the service URL', async () => {
    const { seen, send } = setup();
    const res = await send('http://app.test/page?x=1');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(
      `${cas}/login?service=${encodeURIComponent('http://app.test/page?x=1')}`,
    );
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(seen).toHaveLength(0);
  });

  it('asks for renew=true when renew is set', async () => {
    const res = await setup({ renew: true }).send('http://app.test/');
    expect(new URL(res.headers.get('location') ?? '').searchParams.get('renew')).toBe('true');
  });

  it('sends the fixed service URL when one is configured', async () => {
    const res = await setup({ service: 'https://app.example/login' }).send('http://evil.test/x');
    expect(new URL(res.headers.get('location') ?? '').searchParams.get('service')).toBe(
      'https://app.example/login',
    );
  });

  it('passes a request that already has a REMOTE_USER straight through', async () => {
    const seen: Context[] = [];
    const handler = casAuth({ server: cas, session: { secret }, hosts: HOSTS })((_request, ctx) => {
      seen.push(ctx);
      return new Response('app');
    });
    const request = new Request('http://app.test/');
    const res = await handler(request, new Context(request).set(REMOTE_USER, 'alice'));
    expect(res.status).toBe(200);
    expect(seen[0]?.get(REMOTE_USER)).toBe('alice');
    expect(seen[0]?.get(AUTH_TYPE)).toBeUndefined();
  });
});

describe('casAuth with a ticket', () => {
  it.each([
    ['first', 'http://app.test/p?ticket=T&a=1&b=2'],
    ['in the middle', 'http://app.test/p?a=1&ticket=T&b=2'],
    ['last', 'http://app.test/p?a=1&b=2&ticket=T'],
  ])('finds a ticket placed %s and validates the service without it', async (_where, url) => {
    const ticket = stub.issue('http://app.test/p?a=1&b=2');
    const res = await setup().send(url.replace('T', ticket));
    expect(stub.validations[0]).toMatchObject({ service: 'http://app.test/p?a=1&b=2', ticket });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://app.test/p?a=1&b=2');
  });

  it('validates against /p3/serviceValidate by default and /validate for protocol 1', async () => {
    await setup().send(`http://app.test/?ticket=${stub.issue('http://app.test/')}`);
    await setup({ protocol: 1 }).send(`http://app.test/?ticket=${stub.issue('http://app.test/')}`);
    expect(stub.validations.map((v) => v.path)).toEqual(['/p3/serviceValidate', '/validate']);
  });

  it('sends renew=true with the validation when renew is set', async () => {
    await setup({ renew: true }).send(`http://app.test/?ticket=${stub.issue('http://app.test/')}`);
    expect(stub.validations[0]?.renew).toBe(true);
  });

  it('sets a signed session cookie that lets the next request in with the user and attributes', async () => {
    const { seen, send } = setup();
    const first = await send(`http://app.test/?ticket=${stub.issue('http://app.test/')}`);
    const cookie = cookieOf(first);
    expect(first.headers.getSetCookie()[0]).toMatch(/HttpOnly; SameSite=Lax$/);
    const res = await send('http://app.test/', cookie);
    expect(res.status).toBe(200);
    expect(seen[0]?.get(REMOTE_USER)).toBe('test');
    expect(seen[0]?.get(AUTH_TYPE)).toBe('cas');
    expect(seen[0]?.get(CAS_ATTRIBUTES)?.get('group')).toEqual(['a', 'b']);
  });

  it('marks the session cookie Secure on https', async () => {
    const res = await setup().send(`https://app.test/?ticket=${stub.issue('https://app.test/')}`);
    expect(res.headers.getSetCookie()[0]).toContain('; Secure');
  });

  it('answers 403 for a refused ticket without running the app', async () => {
    const { seen, send } = setup();
    const res = await send('http://app.test/?ticket=ST-unknown');
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(seen).toHaveLength(0);
  });

  it('answers 400 for more than one ticket', async () => {
    const res = await setup().send('http://app.test/?ticket=a&ticket=b');
    expect(res.status).toBe(400);
    expect(stub.validations).toHaveLength(0);
  });

  it.each([
    ['a non-200 status', { status: 500, body: 'oops' }],
    ['a non-CAS body', { status: 200, body: '<html><body>maintenance</body></html>' }],
  ])('answers 502 when the CAS server gives %s', async (_what, answer) => {
    stub.answerWith(answer);
    const res = await setup().send('http://app.test/?ticket=ST-1');
    expect(res.status).toBe(502);
  });

  it('answers 502 for an answer larger than 256 KiB', async () => {
    stub.answerWith({ status: 200, body: `yes\n${'x'.repeat(300_000)}\n` });
    const res = await setup({ protocol: 1 }).send('http://app.test/?ticket=ST-1');
    expect(res.status).toBe(502);
  });

  it('answers 504 when validation takes longer than the timeout', async () => {
    stub.answerWith({ status: 200, body: 'no\n', delay: 2000 });
    const res = await setup({ timeout: 100, protocol: 1 }).send('http://app.test/?ticket=ST-1');
    expect(res.status).toBe(504);
  });

  it('answers 502 when the CAS server cannot be reached', async () => {
    const closed = await serve(() => new Response(), { host: '127.0.0.1', port: 0 });
    await closed.close();
    const handler = casAuth({ server: `${closed.url}/cas`, session: false, hosts: HOSTS })(
      () => new Response(),
    );
    const request = new Request('http://app.test/?ticket=ST-1');
    expect((await handler(request, new Context(request))).status).toBe(502);
  });

  it('returns what onValidated returns instead of logging the user in', async () => {
    const onValidated = vi.fn(() => new Response('not you', { status: 403 }));
    const res = await setup({ onValidated }).send(
      `http://app.test/?ticket=${stub.issue('http://app.test/')}`,
    );
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(onValidated).toHaveBeenCalledWith(
      expect.objectContaining({ user: 'test', service: 'http://app.test/' }),
      expect.any(Request),
      expect.any(Context),
    );
  });

  it('calls the app directly with the user when session is false', async () => {
    const { seen, send } = setup({ session: false });
    const res = await send(`http://app.test/?ticket=${stub.issue('http://app.test/')}`);
    expect(res.status).toBe(200);
    expect(seen[0]?.get(REMOTE_USER)).toBe('test');
  });
});

describe('casAuth session cookie', () => {
  it.each([
    ['a tampered cookie', (c: string) => c.replace(/^(trowel_cas=)./, '$1A')],
    ['a cookie under another name', (c: string) => c.replace('trowel_cas=', 'other=')],
    ['an empty cookie', () => 'trowel_cas='],
  ])('sends %s to the login page', async (_what, change) => {
    const { seen, send } = setup();
    const first = await send(`http://app.test/?ticket=${stub.issue('http://app.test/')}`);
    const res = await send('http://app.test/', change(cookieOf(first)));
    expect(res.status).toBe(302);
    expect(seen).toHaveLength(0);
  });

  it('sends an expired login to the login page', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { seen, send } = setup({ session: { secret, maxAge: 60 } });
    const first = await send(`http://app.test/?ticket=${stub.issue('http://app.test/')}`);
    vi.setSystemTime(Date.now() + 61_000);
    const res = await send('http://app.test/', cookieOf(first));
    expect(res.status).toBe(302);
    expect(seen).toHaveLength(0);
  });
});

describe('casAuth gateway', () => {
  it('asks CAS with gateway=true once and sets a marker cookie', async () => {
    const res = await setup({ gateway: true }).send('http://app.test/');
    expect(new URL(res.headers.get('location') ?? '').searchParams.get('gateway')).toBe('true');
    expect(cookieOf(res, 'trowel_cas_gateway')).toBe('trowel_cas_gateway=1');
  });

  it('lets the user through anonymously when CAS sent them back without a ticket', async () => {
    const { seen, send } = setup({ gateway: true });
    const res = await send('http://app.test/', 'trowel_cas_gateway=1');
    expect(res.status).toBe(200);
    expect(seen[0]?.get(REMOTE_USER)).toBeUndefined();
  });
});

describe('casAuth options', () => {
  it.each<[string, Partial<CasAuthOptions> & Record<string, unknown>]>([
    ['TROWEL_ERR_AUTH_CAS_SERVER', { server: 'cas.example' }],
    ['TROWEL_ERR_AUTH_CAS_SERVER', { server: 'ftp://cas.example/' }],
    ['TROWEL_ERR_AUTH_CAS_SERVER', { server: 'https://cas.example/?x=1' }],
    ['TROWEL_ERR_AUTH_CAS_PROTOCOL', { protocol: 4 as 3 }],
    ['TROWEL_ERR_AUTH_CAS_SERVICE', { service: '/relative' }],
    ['TROWEL_ERR_AUTH_CAS_SERVICE', { hosts: ['a b'] }],
    ['TROWEL_ERR_AUTH_CAS_OPTIONS', { renew: true, gateway: true }],
    ['TROWEL_ERR_AUTH_CAS_TIMEOUT', { timeout: 0 }],
    ['TROWEL_ERR_AUTH_CAS_SESSION', { session: undefined as unknown as false }],
    ['TROWEL_ERR_AUTH_CAS_SECRET', { session: { secret: 'short' } }],
    ['TROWEL_ERR_AUTH_CAS_SESSION', { session: { secret, cookieName: 'a b' } }],
    ['TROWEL_ERR_AUTH_CAS_SESSION', { session: { secret, maxAge: -1 } }],
  ])('throws %s for %o', (code, options) => {
    let thrown: unknown;
    try {
      casAuth({ server: 'https://cas.example/cas', session: { secret }, hosts: HOSTS, ...options });
    } catch (error) {
      thrown = error;
    }
    expect(isConfigError(thrown) && thrown.code).toBe(code);
  });
});

describe('casAuth() without a fixed service', () => {
  it('answers 421 for a host it was not told about, without going to CAS', async () => {
    const handler = casAuth({ server: 'https://cas.example/cas', session: false, hosts: HOSTS })(
      () => new Response('app'),
    );
    const request = new Request('http://attacker.test/?ticket=ST-1');
    const response = await handler(request, new Context(request));
    expect(response.status).toBe(421);
  });
});

it('refuses to build a service URL from any Host: service or hosts is required', () => {
  expect(() => casAuth({ server: 'https://cas.example/cas', session: false })).toThrow(
    expect.objectContaining({ code: 'TROWEL_ERR_AUTH_CAS_SERVICE' }) as Error,
  );
});
