/**
 * Starts nginx as a child of a benchmark server program: one process (`master_process off`, so it
 * runs on the core the runner pinned this program to, and the runner counts its CPU as the
 * server's), no access log, keep-alive without a request cap. The caller gives the `server { … }`
 * body; `listen` is added. Used by the static scenarios (nginx as the limit) and the proxy
 * scenarios (nginx as the upstream every proxy forwards to, and nginx `proxy_pass` as the limit).
 *
 * Needs the `nginx` binary (`apt-get install -y nginx`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free loopback port (bound, read and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/** A running nginx. */
export interface Nginx {
  readonly port: number;
  /** Stops nginx (SIGTERM). */
  stop(): void;
}

/**
 * Starts nginx listening on a free loopback port with `server { listen …; <serverBody> }` and
 * `httpExtra` in the `http` block; resolves once it accepts connections.
 *
 * @example
 * ```ts
 * const nginx = await startNginx(`root ${root};`);
 * ```
 */
export async function startNginx(serverBody: string, httpExtra = ''): Promise<Nginx> {
  const binary = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], {
    encoding: 'utf8',
  }).stdout.trim();
  if (binary === '') throw new Error('nginx is not installed: apt-get install -y nginx');
  const dir = mkdtempSync(join(tmpdir(), 'trowel-bench-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${httpExtra}
  server {
    listen 127.0.0.1:${port};
    ${serverBody}
  }
}
`,
  );
  const nginx = spawn(
    binary,
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  process.on('exit', () => {
    nginx.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  nginx.once('exit', (code, signal) => {
    process.stderr.write(`nginx exited with ${signal ?? String(code)}\n`);
    process.exit(1);
  });
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    port,
    stop: () => {
      nginx.removeAllListeners('exit');
      nginx.kill('SIGTERM');
    },
  };
}
