/**
 * Basic authentication against the real tools: htpasswd files written by Apache's `htpasswd` in
 * each format it offers, and `curl -u` against a real trowel server.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handler } from '../../core/handler.ts';
import { REMOTE_USER } from '../../core/keys.ts';
import { serve, type TrowelServer } from '../../server/index.ts';
import { basicAuth } from './index.ts';

const has = (binary: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;

const FORMATS = [
  ['bcrypt', '-B'],
  ['APR1-MD5', '-m'],
  ['{SHA}', '-s'],
  ['crypt', '-d'],
] as const;

const app: Handler = (_request, ctx) => new Response(`user=${ctx.require(REMOTE_USER)}`);

const run = promisify(execFile);

// Asynchronous on purpose: the server runs in this process, so a synchronous child would block it.
async function curl(url: string, ...args: string[]): Promise<{ status: number; body: string }> {
  const { stdout: out } = await run(
    'curl',
    ['-s', '-m', '10', '-w', '\n%{http_code}', ...args, url],
    {
      encoding: 'utf8',
    },
  );
  const cut = out.lastIndexOf('\n');
  return { status: Number(out.slice(cut + 1)), body: out.slice(0, cut) };
}

describe.skipIf(!has('htpasswd') || !has('curl'))(
  'basicAuth() with htpasswd files and curl (needs apache2-utils and curl)',
  () => {
    let dir: string;
    let server: TrowelServer;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'trowel-htpasswd-'));
      const file = join(dir, 'htpasswd');
      execFileSync('htpasswd', ['-c', '-b', '-B', file, 'first', 'unused'], { stdio: 'ignore' });
      for (const [, flag] of FORMATS) {
        execFileSync('htpasswd', ['-b', flag, file, `user${flag}`, 'sesame'], { stdio: 'ignore' });
      }
      server = await serve(basicAuth({ realm: 'interop', htpasswd: file })(app), { port: 0 });
    });

    afterAll(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it.each(FORMATS)('accepts curl -u for a %s line written by htpasswd', async (_name, flag) => {
      expect(await curl(`${server.url}/`, '-u', `user${flag}:sesame`)).toEqual({
        status: 200,
        body: `user=user${flag}`,
      });
    });

    it.each(FORMATS)('refuses a wrong password for a %s line', async (_name, flag) => {
      expect((await curl(`${server.url}/`, '-u', `user${flag}:wrong`)).status).toBe(401);
    });

    it('refuses an unknown user', async () => {
      expect((await curl(`${server.url}/`, '-u', 'nobody:sesame')).status).toBe(401);
    });

    it('picks up a user added by htpasswd while the server runs', async () => {
      execFileSync('htpasswd', ['-b', '-B', join(dir, 'htpasswd'), 'late', 'comer'], {
        stdio: 'ignore',
      });
      expect((await curl(`${server.url}/`, '-u', 'late:comer')).status).toBe(200);
    });

    it('sends curl the challenge with charset', async () => {
      const { stdout: out } = await run(
        'curl',
        ['-s', '-m', '10', '-D', '-', '-o', '/dev/null', `${server.url}/`],
        {
          encoding: 'utf8',
        },
      );
      expect(out).toMatch(/^www-authenticate: Basic realm="interop", charset="UTF-8"\r$/im);
    });
  },
);
