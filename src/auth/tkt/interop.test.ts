/**
 * Interop with the real peers: Python Paste's `paste.auth.auth_tkt` (both ways) and Apache
 * mod_auth_tkt (tickets made here, checked by Apache behind a CGI that prints REMOTE_USER).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context, parseSetCookie, REMOTE_USER } from '../../core/index.ts';
import { AUTH_TKT, authTkt, TKT_TOKENS, TKT_USER_DATA } from './middleware.ts';
import { createTicket, type TicketDigest } from './ticket.ts';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const APACHE = '/usr/sbin/apache2';
const TKT_MODULE = '/usr/lib/apache2/modules/mod_auth_tkt.so';
const hasPaste =
  existsSync(PYTHON) &&
  (() => {
    try {
      execFileSync(PYTHON, ['-c', 'import paste.auth.auth_tkt']);
      return true;
    } catch {
      return false;
    }
  })();
const secret = 'interop shared secret';

/** The cookie value `authTkt()` sends after `setUser()`, decoded from base64 when it was encoded. */
async function issuedByTrowel(
  digest: TicketDigest,
  tokens: readonly string[],
  userData: string,
): Promise<string> {
  const handler = authTkt({ secret, digest })((_request, ctx) => {
    ctx.require(AUTH_TKT).setUser('alice', { tokens, userData });
    return new Response('ok');
  });
  const request = new Request('http://127.0.0.1/login');
  const response = await handler(request, new Context(request));
  const value = parseSetCookie(response.headers.getSetCookie()[0] ?? '')?.value ?? '';
  return value.includes('!') ? value : Buffer.from(value, 'base64').toString('utf8');
}

describe.skipIf(!hasPaste)(
  'auth_tkt interop with Python Paste (needs /usr/bin/python3 with python3-paste)',
  () => {
    it.each<[TicketDigest]>([['md5'], ['sha256']])(
      'accepts a %s ticket made by Paste AuthTicket',
      async (digest) => {
        const { stdout } = await run(PYTHON, [
          '-c',
          'import sys, hashlib; from paste.auth import auth_tkt; ' +
            "print(auth_tkt.AuthTicket(sys.argv[1], 'alice', '0.0.0.0', tokens=['admin', 'dev'], " +
            "user_data='hello', digest_algo=getattr(hashlib, sys.argv[2])).cookie_value().decode())",
          secret,
          digest,
        ]);
        const handler = authTkt({ secret, digest })((_request, ctx) =>
          Response.json([ctx.get(REMOTE_USER), ctx.get(TKT_TOKENS), ctx.get(TKT_USER_DATA)]),
        );
        const request = new Request('http://127.0.0.1/', {
          headers: { cookie: `auth_tkt=${stdout.trim()}` },
        });
        expect(await (await handler(request, new Context(request))).json()).toEqual([
          'alice',
          ['admin', 'dev'],
          'hello',
        ]);
      },
    );

    it.each<[TicketDigest]>([['md5'], ['sha256'], ['sha512']])(
      'makes a %s ticket that Paste parse_ticket accepts',
      async (digest) => {
        const ticket = await issuedByTrowel(digest, ['admin', 'dev'], 'hello');
        const { stdout } = await run(PYTHON, [
          '-c',
          'import sys, hashlib, json; from paste.auth import auth_tkt; ' +
            "ts, user, tokens, data = auth_tkt.parse_ticket(sys.argv[1], sys.argv[2].encode(), '0.0.0.0', getattr(hashlib, sys.argv[3])); " +
            'print(json.dumps([user, [t.decode() for t in tokens], data.decode()]))',
          secret,
          ticket,
          digest,
        ]);
        expect(JSON.parse(stdout)).toEqual(['alice', ['admin', 'dev'], 'hello']);
      },
    );

    it('makes a ticket that Paste rejects once tampered', async () => {
      const ticket = (await issuedByTrowel('sha256', ['admin'], '')).replace('alice', 'mallory');
      await expect(
        run(PYTHON, [
          '-c',
          "import sys, hashlib; from paste.auth import auth_tkt; auth_tkt.parse_ticket(sys.argv[1], sys.argv[2].encode(), '0.0.0.0', hashlib.sha256)",
          secret,
          ticket,
        ]),
      ).rejects.toThrow(/BadTicket/);
    });
  },
);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

describe.skipIf(!existsSync(APACHE) || !existsSync(TKT_MODULE))(
  'auth_tkt interop with Apache mod_auth_tkt (needs apache2 and libapache2-mod-auth-tkt)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'trowel-tkt-apache-'));
    const conf = join(dir, 'httpd.conf');
    let origin = '';
    let apache: ChildProcess | undefined;

    beforeAll(async () => {
      const port = await freePort();
      origin = `http://127.0.0.1:${port}`;
      mkdirSync(join(dir, 'cgi'));
      mkdirSync(join(dir, 'htdocs'));
      mkdirSync(join(dir, 'logs'));
      writeFileSync(
        join(dir, 'cgi', 'env.cgi'),
        "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'; env | LC_ALL=C sort\n",
        { mode: 0o755 },
      );
      // mkdtemp makes 0700 directories; the CGI runs as the unprivileged user.
      chmodSync(dir, 0o755);
      chmodSync(join(dir, 'cgi'), 0o755);
      writeFileSync(
        conf,
        [
          'ServerRoot /usr/lib/apache2',
          `PidFile ${dir}/httpd.pid`,
          `Listen 127.0.0.1:${port}`,
          'ServerName 127.0.0.1',
          `ErrorLog ${dir}/logs/error.log`,
          'LoadModule mpm_event_module modules/mod_mpm_event.so',
          'LoadModule authz_core_module modules/mod_authz_core.so',
          'LoadModule authn_core_module modules/mod_authn_core.so',
          'LoadModule authz_user_module modules/mod_authz_user.so',
          'LoadModule auth_tkt_module modules/mod_auth_tkt.so',
          'LoadModule cgid_module modules/mod_cgid.so',
          'LoadModule alias_module modules/mod_alias.so',
          `ScriptSock ${dir}/cgid.sock`,
          `DocumentRoot ${dir}/htdocs`,
          'User www-data',
          'Group www-data',
          `TKTAuthSecret "${secret}"`,
          'TKTAuthDigestType SHA256',
          `ScriptAlias /tkt/ ${dir}/cgi/`,
          `<Directory ${dir}/cgi>`,
          '  Require all granted',
          '</Directory>',
          '<Location /tkt/>',
          '  AuthType None',
          '  require valid-user',
          `  TKTAuthLoginURL ${origin}/login`,
          '  TKTAuthIgnoreIP on',
          '  TKTAuthTimeout 2h',
          '</Location>',
          '',
        ].join('\n'),
      );
      // In the foreground as a child of this process, so it is stopped and reaped by its own pid.
      apache = spawn(APACHE, ['-f', conf, '-D', 'FOREGROUND'], { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        try {
          await fetch(`${origin}/`);
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      throw new Error('apache2 did not start');
    }, 20_000);

    afterAll(async () => {
      const child = apache;
      if (child !== undefined && child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    }, 20_000);

    async function envFor(cookie: string): Promise<{ status: number; body: string }> {
      const response = await fetch(`${origin}/tkt/env.cgi`, {
        headers: { cookie },
        redirect: 'manual',
      });
      return { status: response.status, body: await response.text() };
    }

    it('accepts a base64 ticket with tokens and data issued by authTkt()', async () => {
      const handler = authTkt({ secret })((_request, ctx) => {
        ctx.require(AUTH_TKT).setUser('alice', { tokens: ['admin', 'dev'], userData: 'hello' });
        return new Response('ok');
      });
      const request = new Request('http://127.0.0.1/login');
      const setCookie =
        (await handler(request, new Context(request))).headers.getSetCookie()[0] ?? '';
      const { status, body } = await envFor(setCookie.split(';')[0] ?? '');
      expect(status).toBe(200);
      expect(body).toMatch(/^REMOTE_USER=alice$/m);
      expect(body).toMatch(/^REMOTE_USER_TOKENS=admin,dev$/m);
      expect(body).toMatch(/^REMOTE_USER_DATA=hello$/m);
    });

    it('accepts a raw ticket', async () => {
      const { status, body } = await envFor(`auth_tkt=${createTicket({ secret, user: 'bob' })}`);
      expect(status).toBe(200);
      expect(body).toMatch(/^REMOTE_USER=bob$/m);
    });

    it('rejects a tampered ticket with a redirect to the login URL', async () => {
      const tampered = createTicket({ secret, user: 'alice' }).replace('alice', 'mallory');
      const { status } = await envFor(`auth_tkt=${tampered}`);
      expect(status).toBe(307);
    });

    it('rejects an expired ticket', async () => {
      const old = createTicket({
        secret,
        user: 'alice',
        timestamp: Math.floor(Date.now() / 1000) - 7300,
      });
      expect((await envFor(`auth_tkt=${old}`)).status).toBe(307);
    });
  },
);
