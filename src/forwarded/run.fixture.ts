/**
 * Test helpers of the forwarded() suites: runs the middleware around a recording handler, and the
 * option sets the suites share. Test-only; not part of the build.
 */
import { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { REMOTE_USER } from '../core/keys.ts';
import { forwarded } from './forwarded.ts';
import type { ForwardedOptions } from './options.ts';

/** What the application behind the middleware got. */
export interface Seen {
  readonly request: Request;
  readonly ctx: Context;
}

/** Runs `forwarded(options)` around a recording handler, for a request from `peer`. */
export async function run(
  options: ForwardedOptions,
  url: string,
  init: RequestInit = {},
  peer = '10.0.0.5',
): Promise<{ response: Response; seen: Seen | undefined; request: Request }> {
  let seen: Seen | undefined;
  const app: Handler = (request, ctx) => {
    seen = { request, ctx };
    return new Response('ok');
  };
  const request = new Request(url, init);
  const response = await forwarded(options)(app)(
    request,
    new Context(request, { remoteAddr: peer }),
  );
  return { response, seen, request };
}

/** Trusted by address: 10.0.0.0/8. */
export const TRUSTED: ForwardedOptions = { trustedProxies: ['10.0.0.0/8'] };
/** Trusted by address, behind a proxy that strips WSGIProxy's headers from its clients. */
export const WSGI: ForwardedOptions = { ...TRUSTED, wsgiproxy: true, transport: { REMOTE_USER } };
/** Trusted by address, behind a proxy that sets RFC 7239 Forwarded. */
export const RFC7239: ForwardedOptions = { ...TRUSTED, headers: 'forwarded' };
