/**
 * A small backend for the spawn tests, run as a real child process:
 * `node backend.fixture.ts <port>`. Its behaviour is chosen by environment variables:
 *
 * - `BACKEND_EXIT=<code>`: exit at once with that code;
 * - `BACKEND_LISTEN_DELAY=<ms>`: listen only after that long; `BACKEND_NEVER_LISTEN=1`: never;
 * - `BACKEND_IGNORE_TERM=1`: ignore SIGTERM;
 * - `BACKEND_GRANDCHILD=1`: start a grandchild in the same process group, print its pid;
 * - `BACKEND_HEALTHY_AFTER=<ms>`: `GET /health` answers 503 until then, 200 after.
 *
 * An upgrade to any protocol is answered 101 and echoes. Routes: `/pid`, `/env` (JSON), `/echo` (method, target, headers as JSON), `/slow?ms=N` (sends
 * one byte, waits N ms, sends another), anything else `ok`. Test-only; not part of the build.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const started = Date.now();
const env = process.env;

if (env['BACKEND_EXIT'] !== undefined) process.exit(Number(env['BACKEND_EXIT']));
if (env['BACKEND_IGNORE_TERM'] === '1') {
  process.on('SIGTERM', () => {
    console.log('ignoring SIGTERM');
  });
}
if (env['BACKEND_GRANDCHILD'] === '1') {
  const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    stdio: 'ignore',
  });
  console.log(`grandchild ${String(grandchild.pid)}`);
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://backend.invalid');
  // Routed on the last segment, so that a mounted request (/app/echo) reaches the same route.
  switch (url.pathname.slice(url.pathname.lastIndexOf('/'))) {
    case '/pid':
      response.end(String(process.pid));
      return;
    case '/env':
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(process.env));
      return;
    case '/echo':
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({ method: request.method, target: request.url, headers: request.headers }),
      );
      return;
    case '/health': {
      const after = Number(env['BACKEND_HEALTHY_AFTER'] ?? '0');
      response.statusCode = Date.now() - started >= after ? 200 : 503;
      response.end();
      return;
    }
    case '/slow':
      response.write('a');
      setTimeout(
        () => {
          response.end('b');
        },
        Number(url.searchParams.get('ms') ?? '0'),
      );
      return;
    default:
      response.end('ok');
  }
});

// Any upgrade is accepted as `echo`: every byte comes back.
server.on('upgrade', (_request, socket) => {
  socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n');
  socket.pipe(socket);
});

const listen = (): void => {
  server.listen(port, '127.0.0.1', () => {
    console.log(`listening on ${String(port)}`);
  });
};
if (env['BACKEND_NEVER_LISTEN'] === '1') setInterval(() => undefined, 1000);
else setTimeout(listen, Number(env['BACKEND_LISTEN_DELAY'] ?? '0'));
