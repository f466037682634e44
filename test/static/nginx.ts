/**
 * A real nginx for comparison tests: started as a child process (no daemon, no master process) on
 * a free loopback port with a generated configuration serving `root`, its pid file, logs and
 * temporary directories in a scratch directory, and killed when the test is done.
 *
 * The configuration is stock apart from what a comparison needs to say explicitly:
 * `if_modified_since before` (RFC 9110 §13.1.3 semantics; nginx's default `exact` answers 304
 * only for the exact date), `disable_symlinks on` (trowel's default), a `deny` for dotfiles other
 * than `.well-known` (the usual nginx idiom), and `gzip_static on` for precompressed siblings.
 * `runNginx` starts one the same way with other `http` directives (a documented configuration).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The nginx binary, or `undefined` when it is not installed. */
export function findNginx(): string | undefined {
  for (const candidate of [
    '/usr/sbin/nginx',
    '/usr/local/sbin/nginx',
    '/usr/local/nginx/sbin/nginx',
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  return found === '' ? undefined : found;
}

/** A running nginx. */
export interface Nginx {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Stops it and removes its scratch directory. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** The configuration around an `http` block's own directives: one worker, all files in `dir`. */
function config(dir: string, http: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${http}
}
`;
}

/** The comparison's `http` directives: serving `root` on `port`. */
function staticHttp(root: string, port: number): string {
  return `  default_type application/octet-stream;
  server_tokens off;
  if_modified_since before;
  disable_symlinks on;
  gzip_static on;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    index index.html;
    location ~ /\\.(?!well-known/) { deny all; }
  }`;
}

async function waitUntilServing(origin: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `nginx exited with ${child.exitCode}: ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`,
      );
    }
    try {
      await fetch(origin, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx did not answer on ${origin}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/**
 * Starts nginx serving `root` and resolves once it answers.
 *
 * @example
 * ```ts
 * const nginx = await startNginx('/usr/sbin/nginx', '/srv/www');
 * await fetch(`${nginx.origin}/index.html`);
 * await nginx.stop();
 * ```
 */
export function startNginx(binary: string, root: string): Promise<Nginx> {
  return runNginx(binary, (port) => staticHttp(root, port));
}

/**
 * Starts nginx with the `http` directives (server blocks and all) that `http` writes for the free
 * port it is to listen on, and resolves once it answers; the rest of the configuration is
 * `startNginx`'s.
 *
 * @example
 * ```ts
 * const nginx = await runNginx('/usr/sbin/nginx', (port) => `server { listen 127.0.0.1:${port}; }`);
 * await nginx.stop();
 * ```
 */
export async function runNginx(binary: string, http: (port: number) => string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'trowel-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const log = join(dir, 'error.log');
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), config(dir, http(port)));
  const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', log], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const origin = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(origin, child, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { origin, stop };
}
