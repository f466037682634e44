import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { AUTH_TYPE, REMOTE_USER, type Handler } from '../../core/index.ts';
import { serve, type TrowelServer } from '../../server/index.ts';
import { casLogin, findCasPython, startDjangoCas, type DjangoCas } from './django-cas.fixture.ts';
import { CAS_ATTRIBUTES, casAuth, type CasAuthOptions } from './index.ts';

const python = findCasPython();
const secret = 'a test secret that is long enough!';

const app: Handler = (_request, ctx) =>
  Response.json({
    user: ctx.get(REMOTE_USER) ?? null,
    type: ctx.get(AUTH_TYPE) ?? null,
    attributes: Object.fromEntries(ctx.get(CAS_ATTRIBUTES) ?? []),
  });

async function get(url: string, cookie?: string) {
  const res = await request(url, cookie === undefined ? {} : { headers: { cookie } });
  const body = await res.body.text();
  const setCookie = res.headers['set-cookie'];
  const cookies = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  return {
    status: res.statusCode,
    location: typeof res.headers['location'] === 'string' ? res.headers['location'] : undefined,
    cookie: cookies.map((c) => c.split(';')[0]).join('; '),
    body,
  };
}

describe.skipIf(python === undefined)('casAuth against django-cas-server', () => {
  let cas: DjangoCas;
  const servers: TrowelServer[] = [];

  beforeAll(async () => {
    cas = await startDjangoCas(python ?? 'python3');
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await cas.close();
  });

  async function trowel(options: Partial<CasAuthOptions> = {}): Promise<string> {
    const server = await serve(
      casAuth({ server: cas.url, session: { secret }, hosts: ['127.0.0.1'], ...options })(app),
      { host: '127.0.0.1', port: 0 },
    );
    servers.push(server);
    return server.url;
  }

  /** Logs in through CAS and returns the URL with the ticket that CAS sent the browser back to. */
  async function ticketFor(page: string): Promise<string> {
    const first = await get(page);
    expect(first.status).toBe(302);
    return casLogin(first.location ?? '');
  }

  it.each([1, 2, 3] as const)(
    'logs in through CAS protocol %i and redirects to the clean URL',
    async (protocol) => {
      const base = await trowel({ protocol });
      const ticketed = await ticketFor(`${base}/page?x=1`);
      expect(new URL(ticketed).searchParams.get('ticket')).toMatch(/^ST-/);

      const back = await get(ticketed);
      expect(back.status).toBe(302);
      expect(back.location).toBe(`${base}/page?x=1`);

      const page = await get(`${base}/page?x=1`, back.cookie);
      expect(page.status).toBe(200);
      expect(JSON.parse(page.body)).toMatchObject({ user: 'test', type: 'cas' });
    },
    60_000,
  );

  it('sends the login page the service URL of the page asked for', async () => {
    const base = await trowel();
    const first = await get(`${base}/deep/page?b=2&a=1`);
    const login = new URL(first.location ?? '');
    expect(`${login.origin}${login.pathname}`).toBe(`${cas.url}/login`);
    expect(login.searchParams.get('service')).toBe(`${base}/deep/page?b=2&a=1`);
  });

  it('exposes the CAS 3.0 attributes, with every value of a repeated one', async () => {
    const base = await trowel({ protocol: 3 });
    const back = await get(await ticketFor(`${base}/`));
    const page = await get(`${base}/`, back.cookie);
    const { attributes } = JSON.parse(page.body) as { attributes: Record<string, string[]> };
    expect(attributes['email']).toEqual(['anonymous@example.net']);
    expect(attributes['alias']).toEqual(['demo1', 'demo2']);
  }, 60_000);

  it.each([1, 3] as const)(
    'refuses a replayed ticket with 403 (protocol %i)',
    async (protocol) => {
      const base = await trowel({ protocol });
      const ticketed = await ticketFor(`${base}/`);
      expect((await get(ticketed)).status).toBe(302);
      const replay = await get(ticketed);
      expect(replay.status).toBe(403);
      expect(replay.cookie).toBe('');
    },
    60_000,
  );

  it.each([1, 3] as const)(
    'refuses a ticket issued for another service with 403 (protocol %i)',
    async (protocol) => {
      const base = await trowel({ protocol });
      const ticket = new URL(await ticketFor(`${base}/one`)).searchParams.get('ticket') ?? '';
      const other = await get(`${base}/two?ticket=${encodeURIComponent(ticket)}`);
      expect(other.status).toBe(403);
    },
    60_000,
  );

  it('lets an anonymous user through in gateway mode', async () => {
    const base = await trowel({ gateway: true });
    const first = await get(`${base}/open`);
    expect(first.status).toBe(302);
    expect(new URL(first.location ?? '').searchParams.get('gateway')).toBe('true');

    const fromCas = await get(first.location ?? '');
    expect(fromCas.status).toBe(302);
    expect(fromCas.location).toBe(`${base}/open`);

    const page = await get(fromCas.location ?? '', first.cookie);
    expect(page.status).toBe(200);
    expect(JSON.parse(page.body)).toMatchObject({ user: null });
  });
});
