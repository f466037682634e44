/**
 * Micro-benchmark of the hot path of `trowel/server`: turning Node's `IncomingMessage` into a
 * Fetch `Request` (+ `Context`), and reading a small `Response` body back out. No sockets, so the
 * figures are per-operation CPU costs, stable enough to choose between approaches.
 *
 * Run: `node bench/server-request-conversion.ts` (the pinned Node 24). Not part of `npm test`.
 */
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { Context } from '../src/core/context.ts';
import { createContext, createRequest, locate, scanHead } from '../src/server/request.ts';

const BROWSER = [
  'Host',
  'localhost:8080',
  'User-Agent',
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Accept',
  'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language',
  'en-US,en;q=0.5',
  'Accept-Encoding',
  'gzip, deflate, br, zstd',
  'Connection',
  'keep-alive',
  'Cookie',
  'session=abc123; theme=dark',
  'Upgrade-Insecure-Requests',
  '1',
  'Sec-Fetch-Dest',
  'document',
  'Sec-Fetch-Mode',
  'navigate',
];
const WRK = ['Host', '127.0.0.1:8080'];

function incoming(rawHeaders: string[]): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.url = '/some/page?x=1';
  req.httpVersion = '1.1';
  req.rawHeaders = rawHeaders;
  return req;
}

function headersFromRaw(raw: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/** A Hono-style lazy request: an object whose prototype is Request.prototype, built on demand. */
function lazyRequest(req: IncomingMessage, url: string): Request {
  let real: Request | undefined;
  const materialize = (): Request =>
    (real ??= new Request(url, { method: req.method!, headers: headersFromRaw(req.rawHeaders) }));
  const lazy = Object.create(Request.prototype, {
    method: { get: () => req.method },
    url: { get: () => url },
    headers: { get: () => materialize().headers },
  }) as Request;
  return lazy;
}

const NOT_YET = Symbol('not yet');
const notYet = Promise.resolve(NOT_YET);

type Case = () => unknown;
const sync: Record<string, (req: IncomingMessage) => Case> = {
  'trowel: scan + locate + Request + Context': (req) => () => {
    const head = scanHead(req.rawHeaders);
    const located = locate(req, 'http', head.host);
    if (located === 400) throw new Error('400');
    const signal = new AbortController().signal;
    const request = createRequest(req, located.url, signal, null);
    return createContext(request, located, req, 'http', signal);
  },
  'eager, headers appended after, with signal': (req) => () =>
    createRequest(req, 'http://localhost:8080/some/page?x=1', new AbortController().signal, null),
  'eager, headers appended after, no signal': (req) => () => {
    const request = new Request('http://localhost:8080/some/page?x=1', { method: 'GET' });
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) request.headers.append(raw[i]!, raw[i + 1]!);
    return request;
  },
  'eager, Headers from rawHeaders in init, with signal': (req) => () =>
    new Request('http://localhost:8080/some/page?x=1', {
      method: 'GET',
      headers: headersFromRaw(req.rawHeaders),
      signal: new AbortController().signal,
    }),
  'eager, req.headers object in init, with signal': (req) => () =>
    new Request('http://localhost:8080/some/page?x=1', {
      method: 'GET',
      headers: req.headers as Record<string, string>,
      signal: new AbortController().signal,
    }),
  'lazy look-alike (construction only)': (req) => () =>
    lazyRequest(req, 'http://localhost:8080/some/page?x=1'),
  'Context alone': () => () =>
    new Context('http://x/', {
      scriptName: '',
      pathInfo: '/some/page',
      remoteAddr: '127.0.0.1',
      remotePort: 1,
      scheme: 'http',
      host: 'x',
      signal: new AbortController().signal,
    }),
};

const body = 'Hello, world!';
const asyncCases: Record<string, () => Promise<unknown>> = {
  'Response: construct only': () => Promise.resolve(new Response(body)),
  'Response: reader, read + race for done': async () => {
    const reader = new Response(body).body!.getReader();
    const first = await reader.read();
    const second = await Promise.race([reader.read(), notYet]);
    return second !== NOT_YET && second.done ? first.value : undefined;
  },
  'Response: bytes()': () => new Response(body).bytes(),
  'Response: arrayBuffer()': () => new Response(body).arrayBuffer(),
};

function time(name: string, run: Case, n: number): void {
  for (let i = 0; i < n / 10; i++) run();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) run();
  const ns = Number(process.hrtime.bigint() - start) / n;
  console.log(`${name.padEnd(56)} ${ns.toFixed(0).padStart(6)} ns/op`);
}

async function timeAsync(name: string, run: () => Promise<unknown>, n: number): Promise<void> {
  for (let i = 0; i < n / 10; i++) await run();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await run();
  const ns = Number(process.hrtime.bigint() - start) / n;
  console.log(`${name.padEnd(56)} ${ns.toFixed(0).padStart(6)} ns/op`);
}

const N = 200_000;
for (const [label, raw] of [
  ['wrk-like (Host only)', WRK],
  ['browser-like (10 fields)', BROWSER],
] as const) {
  console.log(`\n# request conversion, ${label}`);
  const req = incoming([...raw]);
  for (const [name, make] of Object.entries(sync)) time(name, make(req), N);
}
console.log('\n# reading a 13-byte Response body');
for (const [name, run] of Object.entries(asyncCases)) await timeAsync(name, run, N);
