/**
 * Renders an HTTP error as a `Response` in plain text, HTML or JSON, chosen from the request's
 * `Accept` field. Internal to {@link HttpError.toResponse}; the public content negotiation helpers
 * live in their own module.
 */
import { escapeHtml } from './escape.ts';
import { negotiateMediaType } from './negotiation.ts';
import type { HttpErrorNote } from './http-error-base.ts';

/** What the renderer needs of an error; `detail` is already filtered by `expose`. */
export interface ErrorParts {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly headers: Headers;
  readonly note: HttpErrorNote | undefined;
}

// In order of preference when the client likes several equally: plain text reads best in a
// terminal and in logs; a browser names text/html, an API client application/json.
const OFFERS = ['text/plain', 'text/html', 'application/json', 'application/problem+json'] as const;
type Offer = (typeof OFFERS)[number];

const CONTENT_TYPES: Readonly<Record<Offer, string>> = {
  'text/plain': 'text/plain; charset=utf-8',
  'text/html': 'text/html; charset=utf-8',
  // RFC 8259 §11: JSON is always UTF-8 and defines no charset parameter.
  'application/json': 'application/json',
  'application/problem+json': 'application/problem+json',
};

/** Picks the body format for an `Accept` value; `null` (no field) means anything goes. */
export function negotiate(accept: string | null): Offer {
  // Nothing acceptable: an error still needs a body, and RFC 9110 §12.1 lets the server send its
  // default rather than 406.
  return (negotiateMediaType(accept, OFFERS) as Offer | undefined) ?? OFFERS[0];
}

function plainBody({ status, title, detail, note }: ErrorParts): string {
  const lines = [`${status} ${title}`];
  if (detail !== undefined) lines.push('', detail);
  if (note !== undefined) {
    lines.push('', note.href === undefined ? note.text : `${note.text} ${note.href}`);
  }
  return lines.join('\n') + '\n';
}

function htmlBody({ status, title, detail, note }: ErrorParts): string {
  const heading = escapeHtml(`${status} ${title}`);
  const lines = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${heading}</title>`,
    '</head>',
    '<body>',
    `<h1>${heading}</h1>`,
  ];
  if (detail !== undefined) lines.push(`<p>${escapeHtml(detail)}</p>`);
  if (note !== undefined) {
    const text = escapeHtml(note.text);
    const href = note.href === undefined ? undefined : escapeHtml(note.href);
    lines.push(
      href === undefined ? `<p>${text}</p>` : `<p>${text} <a href="${href}">${href}</a></p>`,
    );
  }
  lines.push('</body>', '</html>', '');
  return lines.join('\n');
}

function jsonBody({ status, title, detail }: ErrorParts): string {
  const problem = detail === undefined ? { status, title } : { status, title, detail };
  // Escape what could close a <script> element or break a JavaScript string if the body is ever
  // embedded in a page; JSON.parse reads the escapes back as the same characters.
  return JSON.stringify(problem).replace(
    /[<>&\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function addVaryAccept(headers: Headers): void {
  const vary = headers.get('vary');
  if (vary === null) {
    headers.set('vary', 'Accept');
    return;
  }
  const names = vary.split(',').map((name) => name.trim().toLowerCase());
  if (!names.includes('accept') && !names.includes('*')) headers.append('vary', 'Accept');
}

/** Builds the response for an error, negotiated against `request`. */
export function renderHttpError(parts: ErrorParts, request: Request | undefined): Response {
  const headers = new Headers(parts.headers);
  const init = { status: parts.status, statusText: parts.title, headers };
  // RFC 9110 §15.4.5: a 304 has no content, so nothing describes content either.
  if (parts.status === 304) {
    headers.delete('content-type');
    return new Response(null, init);
  }
  const offer = negotiate(request?.headers.get('accept') ?? null);
  const body =
    offer === 'text/plain'
      ? plainBody(parts)
      : offer === 'text/html'
        ? htmlBody(parts)
        : jsonBody(parts);
  headers.set('content-type', CONTENT_TYPES[offer]);
  // The body is ours, so any length or coding the caller set describes something else.
  headers.delete('content-length');
  headers.delete('content-encoding');
  // The body depends on Accept (RFC 9110 §12.5.5), and must not be sniffed as another type.
  addVaryAccept(headers);
  headers.set('x-content-type-options', 'nosniff');
  // RFC 9110 §9.3.2: HEAD gets the header fields GET would, without content.
  return new Response(request?.method === 'HEAD' ? null : body, init);
}
