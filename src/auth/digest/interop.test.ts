/**
 * Digest authentication against real clients and files: `curl --digest`, Python requests'
 * `HTTPDigestAuth` (MD5 and SHA-256), and htdigest files written by Apache's `htdigest`, all
 * through a real trowel server.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handler } from '../../core/handler.ts';
import { REMOTE_USER } from '../../core/keys.ts';
import { serve, type TrowelServer } from '../../server/index.ts';
import { digestAuth, digestHa1, digestResponse } from './index.ts';

const has = (binary: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
const hasRequests = has('python3') && spawnSync('python3', ['-c', 'import requests']).status === 0;

// Asynchronous on purpose: the server runs in this process, so a synchronous child would block it.
const run = promisify(execFile);

const REALM = 'interop realm';
const app: Handler = (_request, ctx) => new Response(`user=${ctx.require(REMOTE_USER)}`);
const passwordFor = (user: string): string | undefined =>
  user === 'alice' ? 'wonderland' : undefined;

interface Started {
  readonly server: TrowelServer;
  /** Status and `stale=true` of every response, in order. */
  readonly log: string[];
}

async function start(options: Readonly<Record<string, unknown>>): Promise<Started> {
  const log: string[] = [];
  const guarded = digestAuth({ realm: REALM, passwordFor, ...options })(app);
  const server = await serve(
    async (request, ctx) => {
      const response = await guarded(request, ctx);
      const stale = response.headers.get('www-authenticate')?.includes('stale=true') === true;
      log.push(`${String(response.status)}${stale ? ' stale' : ''}`);
      return response;
    },
    { port: 0 },
  );
  return { server, log };
}

async function curl(...args: string[]): Promise<string[]> {
  // One -o per URL: curl applies each to the next URL only.
  const outputs = args.filter((arg) => arg.startsWith('http')).flatMap(() => ['-o', '/dev/null']);
  const { stdout } = await run(
    'curl',
    ['-s', '-m', '20', '-w', '%{http_code}\n', ...outputs, ...args],
    {
      encoding: 'utf8',
    },
  );
  return stdout.trim().split('\n');
}

const PYTHON = `
import json, sys, time, requests
from requests.auth import HTTPDigestAuth
url, user, password, pause = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
session = requests.Session()
session.auth = HTTPDigestAuth(user, password)
first = session.get(url, timeout=10)
out = {"first": first.status_code, "body": first.text,
       "authorization": first.request.headers.get("Authorization", "")}
if pause:
    time.sleep(pause)
    second = session.get(url, timeout=10)
    out["second"] = second.status_code
replay = requests.get(url, headers={"Authorization": out["authorization"]}, timeout=10)
out["replay"] = replay.status_code
print(json.dumps(out))
`;

interface PythonResult {
  first: number;
  body: string;
  authorization: string;
  second?: number;
  replay: number;
}

async function python(
  url: string,
  user: string,
  password: string,
  pause = 0,
): Promise<PythonResult> {
  const { stdout } = await run('python3', ['-c', PYTHON, url, user, password, String(pause)], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(stdout) as PythonResult;
}

describe.skipIf(!has('curl'))('digestAuth() with curl --digest (needs curl)', () => {
  let started: Started;
  beforeAll(async () => {
    started = await start({ nonceLifetime: 1 });
  });
  afterAll(async () => {
    await started.server.close();
  });

  it('lets curl --digest in', async () => {
    expect(await curl('--digest', '-u', 'alice:wonderland', `${started.server.url}/a?b=c`)).toEqual(
      ['200'],
    );
  });

  it('refuses curl --digest with a wrong password', async () => {
    expect(await curl('--digest', '-u', 'alice:wrong', `${started.server.url}/`)).toEqual(['401']);
  });

  it('answers curl with stale=true for an expired nonce, and curl --digest then gets in', async () => {
    const url = `${started.server.url}/`;
    const { stdout: head } = await run(
      'curl',
      ['-s', '-m', '10', '-D', '-', '-o', '/dev/null', url],
      {
        encoding: 'utf8',
      },
    );
    const nonce = /nonce="([^"]+)"/.exec(head)?.[1] ?? '';
    const opaque = /opaque="([^"]+)"/.exec(head)?.[1] ?? '';
    const response = digestResponse({
      algorithm: 'MD5',
      ha1: digestHa1('MD5', 'alice', REALM, 'wonderland'),
      nonce,
      nc: '00000001',
      cnonce: 'c0ffee',
      qop: 'auth',
      method: 'GET',
      uri: '/',
    });
    const authorization =
      `Digest username="alice", realm="${REALM}", nonce="${nonce}", uri="/", algorithm=MD5, ` +
      `qop=auth, nc=00000001, cnonce="c0ffee", response="${response}", opaque="${opaque}"`;
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const { stdout: stale } = await run(
      'curl',
      [
        '-s',
        '-m',
        '10',
        '-D',
        '-',
        '-o',
        '/dev/null',
        '-H',
        `Authorization: ${authorization}`,
        url,
      ],
      { encoding: 'utf8' },
    );
    expect(stale).toMatch(/^HTTP\/1\.1 401/);
    expect(stale).toMatch(/^www-authenticate: Digest .*stale=true/im);
    expect(await curl('--digest', '-u', 'alice:wonderland', url)).toEqual(['200']);
  });
});

describe.skipIf(!hasRequests)('digestAuth() with Python requests (needs python3-requests)', () => {
  let both: Started;
  let sha256Only: Started;
  beforeAll(async () => {
    both = await start({ nonceLifetime: 1 });
    sha256Only = await start({ algorithms: ['SHA-256'] });
  });
  afterAll(async () => {
    await both.server.close();
    await sha256Only.server.close();
  });

  it('lets requests in with MD5 and refuses its replayed Authorization', async () => {
    const result = await python(`${both.server.url}/x`, 'alice', 'wonderland');
    expect(result).toMatchObject({ first: 200, body: 'user=alice', replay: 401 });
    expect(result.authorization).toContain('algorithm="MD5"');
  });

  it('lets requests in with SHA-256 when only SHA-256 is offered', async () => {
    const result = await python(`${sha256Only.server.url}/x`, 'alice', 'wonderland');
    expect(result).toMatchObject({ first: 200, replay: 401 });
    expect(result.authorization).toContain('algorithm="SHA-256"');
  });

  it('refuses requests with a wrong password', async () => {
    expect((await python(`${both.server.url}/`, 'alice', 'nope')).first).toBe(401);
  });

  it('tells requests its nonce is stale after the lifetime, and requests retries', async () => {
    both.log.length = 0;
    const result = await python(`${both.server.url}/`, 'alice', 'wonderland', 1.5);
    expect(result.second).toBe(200);
    expect(both.log).toContain('401 stale');
  });
});

describe.skipIf(!has('htdigest') || !has('curl'))(
  'digestAuth() with an htdigest file (needs apache2-utils and curl)',
  () => {
    let dir: string;
    let started: Started;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'trowel-htdigest-'));
      const file = join(dir, 'htdigest');
      // htdigest reads the password (twice) from stdin when it is not a terminal.
      const made = spawnSync('htdigest', ['-c', file, REALM, 'carol'], {
        input: 'sesame\nsesame\n',
      });
      expect(made.status).toBe(0);
      started = await start({ htdigest: file, passwordFor: undefined });
    });
    afterAll(async () => {
      await started.server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('accepts a user written by htdigest', async () => {
      expect(await curl('--digest', '-u', 'carol:sesame', `${started.server.url}/`)).toEqual([
        '200',
      ]);
    });

    it('refuses a wrong password for a user written by htdigest', async () => {
      expect(await curl('--digest', '-u', 'carol:wrong', `${started.server.url}/`)).toEqual([
        '401',
      ]);
    });
  },
);

describe('digestAuth() refusing forged and misused answers over a real socket', () => {
  let main: Started;
  let other: Started;
  beforeAll(async () => {
    main = await start({ algorithms: ['MD5'] });
    other = await start({ algorithms: ['MD5'] });
  });
  afterAll(async () => {
    await main.server.close();
    await other.server.close();
  });

  async function challenge(server: TrowelServer): Promise<{ nonce: string; opaque: string }> {
    const response = await fetch(`${server.url}/`);
    await response.arrayBuffer();
    const field = response.headers.get('www-authenticate') ?? '';
    return {
      nonce: /nonce="([^"]+)"/.exec(field)?.[1] ?? '',
      opaque: /opaque="([^"]+)"/.exec(field)?.[1] ?? '',
    };
  }

  function answer(nonce: string, opaque: string, uri: string): string {
    const response = digestResponse({
      algorithm: 'MD5',
      ha1: digestHa1('MD5', 'alice', REALM, 'wonderland'),
      nonce,
      nc: '00000001',
      cnonce: 'c0ffee',
      qop: 'auth',
      method: 'GET',
      uri,
    });
    return (
      `Digest username="alice", realm="${REALM}", nonce="${nonce}", uri="${uri}", algorithm=MD5, ` +
      `qop=auth, nc=00000001, cnonce="c0ffee", response="${response}", opaque="${opaque}"`
    );
  }

  async function status(path: string, authorization: string): Promise<number> {
    const response = await fetch(`${main.server.url}${path}`, { headers: { authorization } });
    await response.arrayBuffer();
    return response.status;
  }

  it('answers 400 when a response made for / is used on /admin', async () => {
    const { nonce, opaque } = await challenge(main.server);
    expect(await status('/admin', answer(nonce, opaque, '/'))).toBe(400);
  });

  it('refuses a nonce issued by a server with another secret', async () => {
    const { nonce } = await challenge(other.server);
    const { opaque } = await challenge(main.server);
    expect(await status('/', answer(nonce, opaque, '/'))).toBe(401);
  });

  it('refuses a nonce the client made up', async () => {
    const { opaque } = await challenge(main.server);
    expect(await status('/', answer('dcd98b7102dd2f0e8b11d0f600bfb0c093', opaque, '/'))).toBe(401);
  });

  it('accepts the same answer once', async () => {
    const { nonce, opaque } = await challenge(main.server);
    const authorization = answer(nonce, opaque, '/');
    expect([await status('/', authorization), await status('/', authorization)]).toEqual([
      200, 401,
    ]);
  });
});
