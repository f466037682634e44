/**
 * Node's `IncomingMessage` → a Fetch `Request` and the trowel `Context` beside it.
 *
 * The `Request` is a real one (`instanceof Request`, usable with `fetch()`, `new Request(req)` and
 * `clone()`), built eagerly: a lazily built look-alike was measured faster, but it cannot be made
 * to behave as a real `Request` in every place a handler can pass it without replacing the
 * global classes, which trowel never does. The costs that can be avoided are: the disconnect
 * signal is only built when read (see {@link IncomingRequest}), the URL is only parsed here when
 * the path needs normalising, a `Host` value is checked once and then cached, a plain GET is
 * built without an init, and the headers go straight into the request's own header list.
 *
 * Before anything is built, the head is checked for what Node lets through but RFC 9112 does not:
 * more than one `Host` or a malformed one (§3.2 → 400), a transfer coding other than a final
 * `chunked` (§6.1 → 400, or 501 for one we do not implement), `Transfer-Encoding` in HTTP/1.0
 * (§6.1 → 400), and targets an origin server does not take (§3.2 → 400). Node itself already
 * answers 400 to a malformed request line, to `Content-Length` with `Transfer-Encoding`, and to an
 * invalid, negative or repeated `Content-Length`.
 */
import type { IncomingMessage } from 'node:http';
import { Context } from '../core/context.ts';
import { buildTarget, formatAuthority, normalizeHost, splitTarget } from './target.ts';

/** The framing-relevant fields of a request head, found in one pass over `rawHeaders`. */
export interface HeadFields {
  /** The first `Host` value. */
  readonly host: string | undefined;
  /** How many `Host` fields there were. */
  readonly hostCount: number;
  /** The `Content-Length` value (Node has already checked it). */
  readonly contentLength: string | undefined;
  /** All `Transfer-Encoding` values, joined with `,`. */
  readonly transferEncoding: string | undefined;
}

/** Finds `Host`, `Content-Length` and `Transfer-Encoding` in Node's flat `rawHeaders` list. */
export function scanHead(raw: readonly string[]): HeadFields {
  let host: string | undefined;
  let hostCount = 0;
  let contentLength: string | undefined;
  let transferEncoding: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    // Compare lengths first: most fields are none of the three, and this skips lower-casing them.
    if (name.length === 4 && name.toLowerCase() === 'host') {
      hostCount++;
      host ??= raw[i + 1];
    } else if (name.length === 14 && name.toLowerCase() === 'content-length') {
      contentLength = raw[i + 1];
    } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
      const value = raw[i + 1] ?? '';
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding},${value}`;
    }
  }
  return { host, hostCount, contentLength, transferEncoding };
}

/**
 * The status to refuse a request with because of its framing or `Host`, or 0 to accept it.
 */
export function framingStatus(head: HeadFields, httpVersion: string): 0 | 400 | 501 {
  // RFC 9112 §3.2: a server MUST answer 400 to more than one Host field.
  if (head.hostCount > 1) return 400;
  const te = head.transferEncoding;
  if (te === undefined) return 0;
  // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
  if (httpVersion === '1.0' || httpVersion === '0.9') return 400;
  const codings = te
    .toLowerCase()
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '');
  // RFC 9112 §6.3: if chunked is not the final coding, the length cannot be known: 400. Any other
  // coding is one this server does not decode (RFC 9112 §6.1: 501).
  if (codings.at(-1) !== 'chunked') return 400;
  return codings.length === 1 ? 0 : 501;
}

/** The URL and split the handler will see, or the status to refuse the request with. */
export interface Located {
  readonly url: string;
  readonly pathname: string;
  readonly host: string;
}

/**
 * Resolves the request's absolute URL: the target's path and query under the authority of an
 * absolute-form target, else the `Host` header's (else the socket's local address, as in
 * HTTP/1.0). Returns 400 when the target or the host is not valid.
 */
export function locate(
  req: IncomingMessage,
  scheme: 'http' | 'https',
  hostHeader: string | undefined,
): Located | 400 {
  const parts = splitTarget(req.url ?? '');
  if (parts === undefined) return 400;
  const { path, authority } = parts;
  let host: string | undefined;
  if (authority !== undefined) {
    // RFC 9112 §3.2.2: the target's authority wins over Host (which must still be present).
    host = normalizeHost(scheme, authority);
  } else if (hostHeader === undefined || hostHeader === '') {
    const { localAddress, localPort } = req.socket;
    host = normalizeHost(scheme, formatAuthority(localAddress ?? '127.0.0.1', localPort ?? 0));
  } else {
    host = normalizeHost(scheme, hostHeader);
  }
  if (host === undefined) return 400;
  const target = buildTarget(scheme, host, path);
  if (target === undefined) return 400;
  return { url: target.url, pathname: target.pathname, host };
}

/** The peer address as a plain IPv4 literal when it arrived IPv4-mapped on a dual-stack socket. */
export function remoteAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * The `Request` a handler gets from trowel/server: a real `Request` in every respect (undici's
 * private state is its own, so `new Request(request)`, `request.text()`, `clone()` and `fetch()`
 * all take it), whose `signal` is built only when first read and aborts when the client goes away.
 *
 * Handing `new Request()` a `signal` to follow costs more than building the rest of the request
 * (undici ties the two together through a `WeakRef` and a finalizer per request), and most
 * handlers never look at it. The catch: what the platform copies when it copies a request is its
 * own internal signal, not this getter, so `new Request(request)` and `fetch(request)` do not
 * follow the client. Pass the signal on explicitly (`fetch(request, { signal: ctx.signal })`);
 * `ctx.signal` is the same signal.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const request = new IncomingRequest('http://localhost/', undefined, () => controller.signal);
 * console.log(request instanceof Request, request.signal === controller.signal); // true true
 * ```
 */
export class IncomingRequest extends Request {
  readonly #signal: () => AbortSignal;

  constructor(input: string | Request, init: RequestInit | undefined, signal: () => AbortSignal) {
    super(input, init);
    this.#signal = signal;
  }

  /** Aborts when the client goes away before the response is finished. */
  override get signal(): AbortSignal {
    return this.#signal();
  }

  /** A copy with the body teed, as `Request.clone()` makes it, whose `signal` still follows the client. */
  override clone(): IncomingRequest {
    return new IncomingRequest(super.clone(), undefined, this.#signal);
  }
}

/**
 * Builds the `Request` for `req`. The headers are appended one by one in arrival order, so
 * repeated fields combine as the Fetch standard says (joined with `, `; `Set-Cookie` kept apart),
 * nothing a client sent twice is silently dropped, and `X_Foo` stays a different field from
 * `X-Foo`.
 *
 * @param signal - builds (once) the signal that aborts when the client goes away.
 * @throws {TypeError} when `new Request()` refuses the method or a header.
 */
export function createRequest(
  req: IncomingMessage,
  url: string,
  signal: () => AbortSignal,
  body: ReadableStream<Uint8Array> | null,
): Request {
  const method = req.method ?? 'GET';
  // `duplex: 'half'` is required for a stream body (Fetch), but not yet in TypeScript's DOM types.
  let init: (RequestInit & { duplex?: 'half' }) | undefined;
  if (body !== null) init = { method, body, duplex: 'half' };
  // No init at all for a plain GET: undici then skips the init steps altogether.
  else if (method !== 'GET') init = { method };
  const request = new IncomingRequest(url, init, signal);
  const headers = request.headers;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i] ?? '', raw[i + 1] ?? '');
  return request;
}

/**
 * The context for one request: an empty `scriptName`, the whole path as `pathInfo`, and where the
 * client came from.
 */
export function createContext(
  request: Request,
  located: Located,
  req: IncomingMessage,
  scheme: 'http' | 'https',
  signal: () => AbortSignal,
): Context {
  return new Context(request, {
    scriptName: '',
    pathInfo: located.pathname,
    remoteAddr: remoteAddress(req),
    remotePort: req.socket.remotePort ?? 0,
    scheme,
    host: located.host,
    signal,
  });
}
