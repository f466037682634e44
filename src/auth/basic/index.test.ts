import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isConfigError } from '../../core/config-error.ts';
import { Context } from '../../core/context.ts';
import type { Handler } from '../../core/handler.ts';
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import { basicAuth, type BasicAuthOptions } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'trowel-basic-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const basic = (credentials: string): string =>
  `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

interface Seen {
  user: string | undefined;
  type: string | undefined;
  authorization: string | null;
}

async function send(
  options: BasicAuthOptions,
  authorization?: string,
  ctx?: (c: Context) => void,
): Promise<{ response: Response; seen: Seen | undefined }> {
  let seen: Seen | undefined;
  const app: Handler = (request, c) => {
    seen = {
      user: c.get(REMOTE_USER),
      type: c.get(AUTH_TYPE),
      authorization: request.headers.get('authorization'),
    };
    return new Response('inner');
  };
  const request = new Request(
    'http://example.test/private',
    authorization === undefined ? {} : { headers: { authorization } },
  );
  const context = new Context(request);
  ctx?.(context);
  const response = await basicAuth(options)(app)(request, context);
  return { response, seen };
}

const verify = (user: string, password: string): boolean => user === 'alice' && password === 'pw';

function configCode(build: () => unknown): string | undefined {
  try {
    build();
  } catch (error) {
    return isConfigError(error) ? error.code : 'not a ConfigError';
  }
  return undefined;
}

describe('basicAuth()', () => {
  it('challenges a request without credentials with realm and charset', async () => {
    const { response, seen } = await send({ realm: 'admin', verify });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="admin", charset="UTF-8"');
    expect(seen).toBeUndefined();
  });

  it('quotes and escapes the realm', async () => {
    const { response } = await send({ realm: 'a "b" \\c', verify });
    expect(response.headers.get('www-authenticate')).toBe(
      'Basic realm="a \\"b\\" \\\\c", charset="UTF-8"',
    );
  });

  it('leaves charset out when told to', async () => {
    const { response } = await send({ realm: 'r', verify, charset: false });
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="r"');
  });

  it('lets the right credentials through with REMOTE_USER and AUTH_TYPE set', async () => {
    const { response, seen } = await send({ realm: 'r', verify }, basic('alice:pw'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('inner');
    expect(seen).toEqual({ user: 'alice', type: 'Basic', authorization: null });
  });

  it('forwards the Authorization field only when asked to', async () => {
    const field = basic('alice:pw');
    const { seen } = await send({ realm: 'r', verify, forwardAuthorization: true }, field);
    expect(seen?.authorization).toBe(field);
  });

  it('challenges wrong credentials without running the application', async () => {
    const { response, seen } = await send({ realm: 'r', verify }, basic('alice:wrong'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Basic realm="r"');
    expect(seen).toBeUndefined();
  });

  it('challenges credentials of another scheme', async () => {
    const { response } = await send({ realm: 'r', verify }, 'Bearer abc');
    expect(response.status).toBe(401);
  });

  it.each([
    ['the bare scheme', 'Basic'],
    ['bad base64', 'Basic %%%%'],
    ['no colon', basic('alice')],
    ['bytes that are not UTF-8', `Basic ${Buffer.from([0x61, 0x3a, 0xff]).toString('base64')}`],
  ])('answers 400 for %s', async (_name, field) => {
    const { response, seen } = await send({ realm: 'r', verify }, field);
    expect(response.status).toBe(400);
    expect(seen).toBeUndefined();
  });

  it('hands verify a UTF-8 password (RFC 7617 §2.1)', async () => {
    const { response } = await send(
      { realm: 'r', verify: (user, password) => user === 'test' && password === '123£' },
      'Basic dGVzdDoxMjPCow==',
    );
    expect(response.status).toBe(200);
  });

  it('passes a request already authenticated by an outer middleware through', async () => {
    const { response, seen } = await send({ realm: 'r', verify }, undefined, (c) => {
      c.set(REMOTE_USER, 'outer');
    });
    expect(response.status).toBe(200);
    expect(seen?.user).toBe('outer');
  });

  it('calls onUser with the authenticated user', async () => {
    const users: string[] = [];
    await send({ realm: 'r', verify, onUser: (user) => void users.push(user) }, basic('alice:pw'));
    expect(users).toEqual(['alice']);
  });

  it('checks users against an htpasswd file', async () => {
    const path = join(dir, 'users');
    writeFileSync(path, 'dave:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\nplain:pw\n');
    const options = { realm: 'r', htpasswd: path };
    expect((await send(options, basic('dave:pw'))).response.status).toBe(200);
    expect((await send(options, basic('dave:px'))).response.status).toBe(401);
    expect((await send(options, basic('nobody:pw'))).response.status).toBe(401);
    expect((await send(options, basic('plain:pw'))).response.status).toBe(401);
  });

  it.each([
    ['no verify nor htpasswd', { realm: 'r' }, 'TROWEL_ERR_AUTH_BASIC_OPTIONS'],
    [
      'both verify and htpasswd',
      { realm: 'r', verify, htpasswd: '/x' },
      'TROWEL_ERR_AUTH_BASIC_OPTIONS',
    ],
    [
      'a missing htpasswd file',
      { realm: 'r', htpasswd: join(dir, 'none') },
      'TROWEL_ERR_AUTH_BASIC_HTPASSWD',
    ],
    ['a realm with CR LF', { realm: 'a\r\nb', verify }, 'TROWEL_ERR_AUTH_BASIC_REALM'],
    ['a realm that is not ASCII', { realm: 'café', verify }, 'TROWEL_ERR_AUTH_BASIC_REALM'],
    [
      'an unknown charset',
      { realm: 'r', verify, charset: 'latin1' },
      'TROWEL_ERR_AUTH_BASIC_OPTIONS',
    ],
  ])('refuses %s when built', (_name, options, code) => {
    expect(configCode(() => basicAuth(options as BasicAuthOptions))).toBe(code);
  });
});
