/**
 * Finding a port for the child and telling when it is ready: a free loopback port from the kernel
 * (bind port 0, read it, close), a check that nothing answers on it yet, and a readiness probe with
 * a deadline — a TCP connect, or an HTTP `GET` that must answer below 500 — repeated until the
 * child answers, exits, or runs out of time.
 */
import { request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';

/**
 * A port that was free on `host` a moment ago, chosen by the kernel (bind to port 0). Another
 * process may take it before the child binds it; the supervisor then finds the listener is not the
 * child's (see `owner.ts`), fails the start, and the next start picks a new port.
 */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        if (port > 0) resolve(port);
        else reject(new Error(`no port was assigned on ${host}`));
      });
    });
  });
}

/** How long the check before a start waits for a connection (ms). */
const TAKEN_TIMEOUT = 2_000;

/**
 * True when something already accepts connections on `host:port`: the child must not be started
 * there, or the readiness probe would take that other process for it.
 */
export function portTaken(host: string, port: number): Promise<boolean> {
  return probe({ host, port, path: undefined }, AbortSignal.timeout(TAKEN_TIMEOUT));
}

/** Where and how to probe. */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  /** With a path, an HTTP GET must answer below 500; without, a TCP connect must succeed. */
  readonly path: string | undefined;
}

/** One probe, abandoned when `signal` aborts. Resolves true when the child answered. */
export function probe(target: ProbeTarget, signal: AbortSignal): Promise<boolean> {
  return target.path === undefined ? probeTcp(target, signal) : probeHttp(target, signal);
}

function probeTcp({ host, port }: ProbeTarget, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      signal.removeEventListener('abort', abort);
      socket.destroy();
      resolve(ok);
    };
    const abort = (): void => {
      done(false);
    };
    signal.addEventListener('abort', abort, { once: true });
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
  });
}

function probeHttp({ host, port, path = '/' }: ProbeTarget, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const request = httpRequest({ host, port, path, method: 'GET', agent: false, signal });
    request.once('response', (response) => {
      // Any answer below 500 means the application is up; 5xx means it is still starting (or
      // broken), as a load balancer's health check reads it.
      const ok = response.statusCode !== undefined && response.statusCode < 500;
      response.resume();
      request.destroy();
      resolve(ok);
    });
    request.once('error', () => {
      resolve(false);
    });
    request.end();
  });
}

/** How waiting for readiness ended. */
export type Readiness = 'ready' | 'exited' | 'timeout';

/**
 * Probes `target` every `interval` ms until it answers (`'ready'`), `exited` resolves
 * (`'exited'`), or `timeout` ms have passed (`'timeout'`). A probe still running at the deadline
 * is abandoned.
 */
export async function waitReady(
  target: ProbeTarget,
  options: { readonly timeout: number; readonly interval: number },
  exited: Promise<unknown>,
): Promise<Readiness> {
  const stop = new AbortController();
  let gone = false;
  void exited.then(() => {
    gone = true;
    stop.abort();
  });
  const timer = setTimeout(() => {
    stop.abort();
  }, options.timeout);
  // Functions, because both change while this one awaits.
  const over = (): boolean => stop.signal.aborted;
  const ended = (otherwise: Readiness): Readiness => (gone ? 'exited' : otherwise);
  try {
    while (!over()) {
      if (await probe(target, stop.signal)) return ended('ready');
      if (over()) break;
      await sleep(options.interval, stop.signal);
    }
    return ended('timeout');
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
