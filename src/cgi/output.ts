/**
 * Reading a CGI script's response (RFC 3875 §6): the header block at the start of its standard
 * output, up to the first empty line, and what it asks for — a document, a local redirect (the
 * server answers another path of its own) or a client redirect.
 *
 * The block is read incrementally and strictly. Lines end in LF or CRLF; each is `name: value`
 * with a token for a name; values are bytes read as Latin-1 (RFC 9110 §5.5: field values are
 * octets, so a script's UTF-8 is passed through as the same bytes); a control character, a line
 * folded onto the previous one (obsolete since RFC 9112 §5.2), a second `Status`, `Location` or
 * `Content-Type`, or a block larger than the limit makes the whole response invalid — 502, never a
 * half-understood answer (RFC 9110 §5.5 forbids passing CR, LF or NUL on).
 */

/** One field of the header block, in the order the script wrote it. */
export type Field = readonly [name: string, value: string];

/** The header block, split into the CGI fields and the rest. */
export interface CgiHead {
  /** The `Status` value, if the script sent one. */
  readonly status: string | undefined;
  /** The `Location` value, if the script sent one. */
  readonly location: string | undefined;
  /** Every other field (`Content-Type` included), in order. */
  readonly fields: readonly Field[];
}

/** Why a header block was refused; the message is for the log, never for the client. */
export class OutputError extends Error {
  override readonly name = 'OutputError';
  /** `too-large` when the block passed the limit, `malformed` otherwise. */
  readonly kind: 'too-large' | 'malformed';

  constructor(kind: 'too-large' | 'malformed', message: string) {
    super(message);
    this.kind = kind;
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// RFC 9110 §5.5: a field value is VCHAR, obs-text, SP and HTAB; every other control is refused.
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const LF = 0x0a;

/**
 * Reads the header block from the chunks of a script's output as they come.
 *
 * @example
 * ```ts
 * const parser = new HeadParser(65536);
 * const found = parser.push(new TextEncoder().encode('Content-Type: text/plain\n\nhi'));
 * // found.head.fields → [['Content-Type', 'text/plain']], found.rest → the bytes of "hi"
 * ```
 */
export class HeadParser {
  readonly #limit: number;
  #chunks: Uint8Array[] = [];
  #size = 0;

  /** @param limit - the most bytes the block may take, its ending empty line included. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Bytes taken so far and not yet part of a complete block. */
  get buffered(): number {
    return this.#size;
  }

  /**
   * Adds `chunk`. Returns the block and the bytes after it once the empty line has arrived,
   * `undefined` while it has not.
   *
   * @throws {OutputError} for a malformed block or one over the limit.
   */
  push(chunk: Uint8Array): { head: CgiHead; rest: Uint8Array } | undefined {
    const start = this.#size;
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    const all = this.#chunks.length === 1 ? chunk : concat(this.#chunks, this.#size);
    this.#chunks = [all];
    // Look for "LF (CR) LF" from one byte before the new chunk, so a pair split between two
    // chunks is still found.
    const end = blockEnd(all, Math.max(0, start - 2));
    if (end === undefined) {
      if (this.#size > this.#limit) {
        throw new OutputError(
          'too-large',
          `the header block is larger than ${this.#limit} bytes (maxOutputHeaderSize)`,
        );
      }
      return undefined;
    }
    if (end.bodyStart > this.#limit) {
      throw new OutputError(
        'too-large',
        `the header block is larger than ${this.#limit} bytes (maxOutputHeaderSize)`,
      );
    }
    const head = parseHead(latin1(all.subarray(0, end.headEnd)));
    return { head, rest: all.subarray(end.bodyStart) };
  }
}

/**
 * Where the block ends: `headEnd` before its last line break, `bodyStart` after the empty line.
 * An empty block (the output starts with an empty line) ends at 0.
 */
function blockEnd(
  bytes: Uint8Array,
  from: number,
): { headEnd: number; bodyStart: number } | undefined {
  if (from === 0) {
    if (bytes[0] === LF) return { headEnd: 0, bodyStart: 1 };
    if (bytes[0] === 0x0d && bytes[1] === LF) return { headEnd: 0, bodyStart: 2 };
  }
  for (let i = bytes.indexOf(LF, from); i !== -1; i = bytes.indexOf(LF, i + 1)) {
    const next = bytes[i + 1];
    if (next === LF) return { headEnd: i, bodyStart: i + 2 };
    if (next === 0x0d && bytes[i + 2] === LF) return { headEnd: i, bodyStart: i + 3 };
  }
  return undefined;
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return all;
}

function latin1(bytes: Uint8Array): string {
  // Node's 'latin1' maps each byte to the code point of the same number; the WHATWG decoder of
  // that name is windows-1252, which would turn 0x80–0x9F into characters Headers refuses.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * Parses a header block given as text (Latin-1 decoded, without its ending empty line).
 *
 * @throws {OutputError} `malformed` for a line that is not a field, a control character, or a
 * repeated CGI field.
 */
export function parseHead(text: string): CgiHead {
  let status: string | undefined;
  let location: string | undefined;
  let contentType = false;
  const fields: Field[] = [];
  if (text === '') return { status, location, fields };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const colon = line.indexOf(':');
    if (colon === -1) throw malformed(`a header line without a colon: ${show(line)}`);
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw malformed(`not a header field name: ${show(name)}`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (CONTROL.test(value)) throw malformed(`a control character in the ${name} field`);
    const lower = name.toLowerCase();
    if (lower === 'status') {
      if (status !== undefined) throw malformed('more than one Status field');
      status = value;
    } else if (lower === 'location') {
      if (location !== undefined) throw malformed('more than one Location field');
      location = value;
    } else {
      if (lower === 'content-type') {
        // RFC 3875 §6.3: each CGI field appears at most once.
        if (contentType) throw malformed('more than one Content-Type field');
        contentType = true;
      }
      fields.push([name, value]);
    }
  }
  return { status, location, fields };
}

function malformed(message: string): OutputError {
  return new OutputError('malformed', message);
}

function show(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** What the script's header block asks the server to do. */
export type Outcome =
  | {
      readonly kind: 'document';
      readonly status: number;
      readonly statusText: string;
      readonly headers: Headers;
    }
  | { readonly kind: 'local-redirect'; readonly location: string };

// Framing belongs to the server (RFC 9112 §6, §7.6.1): these never pass from a script.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Decides what the header block means (RFC 3875 §6.2): a `Location` that is a path (`/…`, not
 * `//…`) with no `Status` is a local redirect; any other `Location` is a client redirect, 302
 * unless a `Status` says otherwise; everything else is a document, 200 unless a `Status` says
 * otherwise.
 *
 * @throws {OutputError} `malformed` for a bad `Status` or `Content-Length`.
 */
export function interpret(head: CgiHead): Outcome {
  const { location } = head;
  if (location !== undefined && head.status === undefined && isLocalPath(location)) {
    return { kind: 'local-redirect', location };
  }
  let status = location === undefined ? 200 : 302;
  let statusText = '';
  if (head.status !== undefined) {
    // RFC 3875 §6.3.3: Status = status-code SP reason-phrase. A final status only: 1xx is not an
    // answer a CGI script can give.
    const match = /^([2-5]\d\d)(?:[ \t]+(.*))?$/.exec(head.status);
    if (match === null) throw malformed(`a Status that is not "NNN reason": ${show(head.status)}`);
    status = Number(match[1]);
    statusText = match[2] ?? '';
  }
  const headers = new Headers();
  let length: string | undefined;
  for (const [name, value] of head.fields) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) continue;
    if (lower === 'content-length') {
      if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== value)) {
        throw malformed(`a Content-Length that is not one number: ${show(value)}`);
      }
      if (length !== undefined) continue;
      length = value;
    }
    headers.append(name, value);
  }
  if (location !== undefined) headers.set('location', location);
  return { kind: 'document', status, statusText, headers };
}

/** A `Location` naming a path on this server (RFC 3875 §6.2.2 local-pathquery). */
export function isLocalPath(location: string): boolean {
  return location.startsWith('/') && !location.startsWith('//');
}
