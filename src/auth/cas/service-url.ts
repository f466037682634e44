/**
 * The CAS `service` URL and the `ticket` the CAS server adds to it.
 *
 * CAS sends the browser back to the service URL with `ticket=ST-…` added to its query string;
 * where it goes is up to the server (Apereo appends it, django-cas-server inserts it first), and a
 * server may re-encode the other parameters while it is at it. Paste only recognised a ticket that
 * was the *last* parameter, so with such a server it redirected for ever. Here the ticket is found
 * anywhere, every `ticket` parameter is removed, and the remaining query is put in one canonical
 * form (the WHATWG `application/x-www-form-urlencoded` serializer) both when the service URL is
 * first sent to the login page and when it is rebuilt from the URL the browser comes back to, so
 * the two compare equal whatever encoding the CAS server chose.
 */
import type { Context } from '../../core/context.ts';
import { requestUrl } from '../../core/url.ts';

/** The ticket a request carries, and the service URL it was issued for. */
export interface TicketedRequest {
  /** The service URL without any `ticket` parameter, in canonical form. */
  readonly service: string;
  /** Every `ticket` value in the query string, in order (normally zero or one). */
  readonly tickets: readonly string[];
}

/**
 * Splits the request's query into its tickets and the canonical service URL.
 *
 * @example
 * ```ts
 * import { Context } from 'trowel';
 * import { ticketedRequest } from './service-url.ts';
 * const req = new Request('http://app.example/a?ticket=ST-1&x=1');
 * ticketedRequest(req, new Context(req)); // { service: 'http://app.example/a?x=1', tickets: ['ST-1'] }
 * ```
 */
export function ticketedRequest(request: Request, ctx: Context): TicketedRequest {
  const url = new URL(request.url);
  const params = new URLSearchParams(url.search);
  const tickets = params.getAll('ticket');
  params.delete('ticket');
  return { service: requestUrl(request, ctx, { query: params.toString() }), tickets };
}

/** `url` with every `ticket` parameter removed and its query in canonical form. */
export function withoutTicket(url: string): string {
  const parsed = new URL(url);
  const params = new URLSearchParams(parsed.search);
  params.delete('ticket');
  const query = params.toString();
  parsed.search = query === '' ? '' : `?${query}`;
  return parsed.href;
}

/** `base` + `path` with `params` as its query string (the login and validation URLs). */
export function casUrl(
  base: string,
  path: string,
  params: Readonly<Record<string, string>>,
): string {
  return `${base}${path}?${new URLSearchParams(params).toString()}`;
}
