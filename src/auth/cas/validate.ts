/**
 * Asks the CAS server whether a service ticket is good: one GET to `/validate` (CAS 1.0),
 * `/serviceValidate` (CAS 2.0) or `/p3/serviceValidate` (CAS 3.0) over undici, bounded by a
 * timeout and by the client's own abort signal, with the answer's size capped. Paste's handler
 * called `urlopen` (never imported) synchronously and without a timeout, so one slow CAS server
 * stalled every worker.
 */
import { request as send, type Dispatcher } from 'undici';
import { casUrl } from './service-url.ts';
import {
  CasProtocolError,
  parseServiceResponse,
  parseValidateText,
  type CasOutcome,
} from './response.ts';

/** The CAS protocol versions and the validation path each one uses. */
export const VALIDATE_PATHS: Readonly<Record<1 | 2 | 3, string>> = {
  1: '/validate',
  2: '/serviceValidate',
  3: '/p3/serviceValidate',
};

/** A CAS answer larger than this is not a CAS answer. */
const MAX_ANSWER = 256 * 1024;

/** What {@link validateTicket} needs. */
export interface ValidateRequest {
  /** The CAS base URL, without a trailing slash. */
  readonly server: string;
  readonly protocol: 1 | 2 | 3;
  readonly service: string;
  readonly ticket: string;
  readonly renew: boolean;
  /** Milliseconds for the whole exchange. */
  readonly timeout: number;
  readonly signal: AbortSignal;
  readonly dispatcher: Dispatcher | undefined;
}

/**
 * Validates one ticket.
 *
 * @throws {CasProtocolError} when the server answers with a non-200 status or something that is
 * not a CAS answer; the undici or abort error when it cannot be reached in time.
 * @example
 * ```ts
 * import { validateTicket } from './validate.ts';
 * const outcome = await validateTicket({
 *   server: 'https://cas.example/cas', protocol: 3, service: 'https://app.example/',
 *   ticket: 'ST-1', renew: false, timeout: 10_000, signal: AbortSignal.timeout(10_000),
 *   dispatcher: undefined,
 * });
 * ```
 */
export async function validateTicket(options: ValidateRequest): Promise<CasOutcome> {
  const params: Record<string, string> = { service: options.service, ticket: options.ticket };
  if (options.renew) params['renew'] = 'true';
  const url = casUrl(options.server, VALIDATE_PATHS[options.protocol], params);
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeout)]);
  const response = await send(url, {
    method: 'GET',
    signal,
    headers: { accept: options.protocol === 1 ? 'text/plain' : 'application/xml, text/xml' },
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ANSWER) {
      response.body.destroy();
      throw new CasProtocolError(`the CAS answer is larger than ${MAX_ANSWER} bytes`);
    }
    chunks.push(chunk);
  }
  if (response.statusCode !== 200) {
    throw new CasProtocolError(`the CAS server answered ${response.statusCode} to validation`);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return options.protocol === 1 ? parseValidateText(text) : parseServiceResponse(text);
}
