/**
 * Micro-benchmark of the hot path of `trowel/server`: turning Node's `IncomingMessage` into a
 * Fetch `Request` (+ `Context`), and reading a small `Response` body back out. No sockets, so the
 * figures are per-operation CPU costs, stable enough to choose between approaches. Each case that
 * is not the chosen one is an alternative that was measured and set aside (or what the server did
 * before), kept here so the choice can be checked again on a newer Node.
 *
 * Run: `node bench/server-request-conversion.ts` (the pinned Node 24). Not part of `npm test`.
 */
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { Context } from '../src/core/context.ts';
import { NOT_YET, settledSoon } from '../src/server/response.ts';
import {
  createContext,
  createRequest,
  IncomingRequest,
  locate,
  scanHead,
} from '../src/server/request.ts';

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

/** A signal source as the server passes it: the controller is only made when asked for. */
function lazySignal(): () => AbortSignal {
  let controller: AbortController | undefined;
  return () => (controller ??= new AbortController()).signal;
}

type Case = (req: IncomingMessage) => unknown;
const URL_STRING = 'http://localhost:8080/some/page?x=1';
const appendRaw = (request: Request, raw: readonly string[]): Request => {
  const headers = request.headers;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return request;
};
const sync: Record<string, Case> = {
  'trowel (chosen): scan + locate + Request + Context, lazy signal': (req) => {
    const head = scanHead(req.rawHeaders);
    const located = locate(req, 'http', head.host);
    if (located === 400) throw new Error('400');
    const signal = lazySignal();
    const request = createRequest(req, located.url, signal, null);
    return createContext(request, located, req, 'http', signal);
  },
  'before: same, with the signal wired into Request and Context': (req) => {
    const head = scanHead(req.rawHeaders);
    const located = locate(req, 'http', head.host);
    if (located === 400) throw new Error('400');
    const signal = new AbortController().signal;
    const request = appendRaw(new Request(located.url, { method: 'GET', signal }), req.rawHeaders);
    return new Context(request, {
      scriptName: '',
      pathInfo: located.pathname,
      remoteAddr: '',
      remotePort: 0,
      scheme: 'http',
      host: located.host,
      signal,
    });
  },
  'IncomingRequest, no init for GET, rawHeaders appended (chosen)': (req) =>
    appendRaw(new IncomingRequest(URL_STRING, undefined, lazySignal()), req.rawHeaders),
  'Request, { method } init, rawHeaders appended, no signal': (req) =>
    appendRaw(new Request(URL_STRING, { method: 'GET' }), req.rawHeaders),
  'Request, { method, signal } init, rawHeaders appended': (req) =>
    appendRaw(
      new Request(URL_STRING, { method: 'GET', signal: new AbortController().signal }),
      req.rawHeaders,
    ),
  'Request, array of pairs from rawHeaders in init': (req) => {
    const raw = req.rawHeaders;
    const pairs: [string, string][] = [];
    for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
    return new Request(URL_STRING, { method: 'GET', headers: pairs });
  },
  'Request, Headers from rawHeaders in init': (req) =>
    new Request(URL_STRING, { method: 'GET', headers: headersFromRaw(req.rawHeaders) }),
  'lazy look-alike, construction only (not a usable Request)': (req) =>
    lazyRequest(req, URL_STRING),
};

const body = 'Hello, world!';
const asyncCases: Record<string, () => Promise<unknown>> = {
  'Response: construct only': () => Promise.resolve(new Response(body)),
  'Response: reader, read + settledSoon for done (chosen)': async () => {
    const reader = new Response(body).body!.getReader();
    const first = await reader.read();
    const second = await settledSoon(reader.read());
    return second !== NOT_YET && second.done ? first.value : undefined;
  },
  'Response: reader, read + Promise.race for done (before)': async () => {
    const reader = new Response(body).body!.getReader();
    const first = await reader.read();
    const second = await Promise.race([reader.read(), Promise.resolve(NOT_YET)]);
    return second !== NOT_YET && second.done ? first.value : undefined;
  },
  'Response: bytes() (buffers streams whole: not usable)': () => new Response(body).bytes(),
  'Response: arrayBuffer() (the same)': () => new Response(body).arrayBuffer(),
};

const tick = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve);
  });

/**
 * CPU time per operation of `run` over `n` operations, yielding to the event loop every 16 as a
 * server does between requests (WeakRefs and finalizers, which Request signals use, are only
 * released at such turns). `prepare` makes the inputs beforehand, outside the timing.
 */
async function measure<T>(
  run: (input: T) => unknown,
  prepare: (n: number) => T[],
  n: number,
): Promise<number> {
  const inputs = prepare(n);
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    await run(inputs[i]!);
    if (i % 16 === 15) await tick();
  }
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / n;
}

/** Runs every case `ROUNDS` times, interleaved, and prints the median of each. */
async function compare<T>(
  title: string,
  cases: Record<string, (input: T) => unknown>,
  prepare: (n: number) => T[],
): Promise<void> {
  console.log(`\n# ${title}`);
  const samples = new Map<string, number[]>();
  for (const run of Object.values(cases)) await measure(run, prepare, N / 10);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(cases)) {
      const list = samples.get(name) ?? [];
      list.push(await measure(run, prepare, N));
      samples.set(name, list);
    }
  }
  for (const [name, list] of samples) {
    const sorted = [...list].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(`${name.padEnd(66)} ${median.toFixed(0).padStart(6)} ns/op (median of ${ROUNDS})`);
  }
}

const N = 10_000;
const ROUNDS = 7;
for (const [label, raw] of [
  ['wrk-like (Host only)', WRK],
  ['browser-like (10 fields)', BROWSER],
] as const) {
  // A fresh IncomingMessage for every operation, as the server gets. (Its `req.headers` stays empty
  // here, since only Node's parser fills it, so `new Request(url, { headers: req.headers })` is
  // not measured here: measured with parsed headers it was slower than appending `rawHeaders`, and
  // it drops repeated fields.)
  await compare(`IncomingMessage -> Request, ${label}, CPU per request`, sync, (n) =>
    Array.from({ length: n }, () => incoming([...raw])),
  );
}
await compare(
  'reading a 13-byte Response body, CPU per response (construction included)',
  Object.fromEntries(Object.entries(asyncCases).map(([name, run]) => [name, () => run()])),
  (n) => Array.from({ length: n }, () => undefined),
);

// Why the look-alike is not used: it is not a Request as far as the platform is concerned. The
// subclass the server uses is.
const lookAlike = lazyRequest(incoming([...WRK]), URL_STRING);
const subclass = new IncomingRequest(URL_STRING, undefined, lazySignal());
for (const [label, request] of [
  ['look-alike', lookAlike],
  ['IncomingRequest', subclass],
] as const) {
  for (const [what, attempt] of [
    ['new Request(request)', () => new Request(request)],
    ['request.text()', () => request.text()],
  ] as const) {
    try {
      await attempt();
      console.log(`${label}: ${what} works`);
    } catch (error) {
      console.log(`${label}: ${what} fails: ${String(error)}`);
    }
  }
}
