/**
 * The error report: what `errors()` logs, mails and shows. Paste's `collect_exception`, for
 * JavaScript: the error and its `cause` chain (and an `AggregateError`'s `errors`), each with its
 * stack frames mapped through source maps and the source lines around them, the request (method,
 * URL, header fields) and the context, with secrets masked before anything is recorded.
 *
 * There are no local variables (JavaScript cannot read another frame's locals, and they are where
 * secrets live) and no request body (it may be a password form and may already be consumed).
 */
import { hostname } from 'node:os';
import { isAbsolute } from 'node:path';
import type { Context } from '../core/context.ts';
import { AUTH_TYPE, REMOTE_USER } from '../core/keys.ts';
import { identificationCode } from './identify.ts';
import {
  describeValue,
  redactHeaders,
  redactUrl,
  safeString,
  truncate,
  type SecretCheck,
} from './redact.ts';
import { excerpt, mapPosition, readSource, type SourceExcerpt } from './source.ts';
import { isLibraryFile, parseStack, type StackFrame } from './stack.ts';

/** One frame of a reported stack, after source mapping. */
export interface ReportFrame {
  /** The function, as V8 named it. */
  readonly function: string | undefined;
  /** The file, mapped to the original source when a source map says where it came from. */
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** The position in the built file, when `file`/`line`/`column` were mapped from it. */
  readonly generated:
    | { readonly file: string; readonly line: number; readonly column: number | undefined }
    | undefined;
  readonly async: boolean;
  readonly construct: boolean;
  /** Node's internals, installed packages, or code with no file. */
  readonly library: boolean;
  /** The lines around the position, when the file could be read. */
  readonly source: SourceExcerpt | undefined;
  /** The stack line as V8 wrote it. */
  readonly raw: string;
}

/** One error of the report: the one thrown, or one of its causes. */
export interface ErrorEntry {
  /** How it relates to the entry before: `thrown`, `cause`, or `errors[i]` (AggregateError). */
  readonly relation: string;
  /** How many links from the thrown error. */
  readonly depth: number;
  readonly name: string;
  readonly message: string;
  /** Own enumerable properties (`code`, `errno`, …), printed, secrets masked. */
  readonly properties: readonly (readonly [name: string, value: string])[];
  /** Innermost first, as in `error.stack`. */
  readonly frames: readonly ReportFrame[];
  /** The stack text, when it had no frames V8-style (another engine's format), else `undefined`. */
  readonly stack: string | undefined;
}

/** The request, as the report records it. */
export interface ReportedRequest {
  readonly method: string;
  /** Secret query parameters and the userinfo password masked. */
  readonly url: string;
  /** In order; secret fields masked. */
  readonly headers: readonly (readonly [name: string, value: string])[];
}

/** The context, as the report records it. */
export interface ReportedContext {
  readonly scriptName: string;
  readonly pathInfo: string;
  readonly remoteAddr: string;
  readonly remotePort: number;
  readonly scheme: string;
  readonly host: string;
  readonly remoteUser: string | undefined;
  readonly authType: string | undefined;
}

/** Everything known about one failure. */
export interface ErrorReport {
  /** `E-` and five characters: the same type, message and throwing place give the same code. */
  readonly identificationCode: string;
  readonly date: Date;
  /** `handler`: thrown before a response existed; `body`: while the response body streamed. */
  readonly phase: 'handler' | 'body';
  /** The thrown error first, then its causes. */
  readonly errors: readonly ErrorEntry[];
  readonly request: ReportedRequest | undefined;
  readonly context: ReportedContext | undefined;
  readonly process: {
    readonly pid: number;
    readonly node: string;
    readonly platform: string;
    readonly hostname: string;
  };
}

/** Options of {@link collectReport}. */
export interface CollectOptions {
  readonly request?: Request;
  readonly ctx?: Context;
  readonly phase?: 'handler' | 'body';
  /** Source lines before and after each frame's line. @default 5 */
  readonly context?: number;
  /** Read source in `node_modules` too. @default false */
  readonly librarySource?: boolean;
  /** Names to mask. @default none masked */
  readonly isSecret?: SecretCheck;
  /** @default now */
  readonly date?: Date;
}

const MAX_ENTRIES = 20;
const MAX_MESSAGE = 10_000;
const SKIPPED = new Set(['stack', 'message', 'name', 'cause', 'errors']);

interface Thrown {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
}

function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** Name, message and stack of anything that can be thrown, never throwing itself. */
function describeThrown(value: unknown, isSecret: SecretCheck): Thrown {
  if (typeof value === 'object' && value !== null) {
    const stack = read(value, 'stack');
    const name = read(value, 'name');
    const message = read(value, 'message');
    if (value instanceof Error || typeof stack === 'string') {
      return {
        name: typeof name === 'string' && name !== '' ? name : 'Error',
        message: truncate(safeString(message ?? ''), MAX_MESSAGE),
        stack: typeof stack === 'string' ? stack : undefined,
      };
    }
  }
  return {
    name: `Non-error value (${value === null ? 'null' : typeof value})`,
    message: describeValue(value, isSecret, MAX_MESSAGE),
    stack: undefined,
  };
}

function headerOf(thrown: Thrown): string {
  return thrown.message === '' ? thrown.name : `${thrown.name}: ${thrown.message}`;
}

/** The identification code of `error`, computed without reading any file. */
export function identify(error: unknown): string {
  const thrown = describeThrown(error, () => false);
  const frames = thrown.stack === undefined ? [] : parseStack(thrown.stack, headerOf(thrown));
  return identificationCode(thrown.name, thrown.message, frames[0]);
}

function propertiesOf(value: unknown, isSecret: SecretCheck): [string, string][] {
  if (typeof value !== 'object' || value === null) return [];
  const properties: [string, string][] = [];
  for (const key of Object.keys(value).slice(0, 50)) {
    if (SKIPPED.has(key)) continue;
    properties.push([
      key,
      isSecret(key) ? '[redacted]' : describeValue(read(value, key), isSecret),
    ]);
  }
  return properties;
}

async function reportFrame(
  frame: StackFrame,
  contextLines: number,
  librarySource: boolean,
): Promise<ReportFrame> {
  const { file, line, column } = frame;
  const readable = file !== undefined && line !== undefined && isAbsolute(file);
  const mapped = readable ? await mapPosition(file, line, column) : undefined;
  const where = mapped ?? { file, line, column, content: undefined };
  const library = isLibraryFile(where.file) || isLibraryFile(file);
  let source: SourceExcerpt | undefined;
  if ((!library || librarySource) && where.file !== undefined && where.line !== undefined) {
    const text =
      where.content ?? (isAbsolute(where.file) ? await readSource(where.file) : undefined);
    if (text !== undefined) source = excerpt(text, where.line, where.column, contextLines);
  }
  return {
    function: frame.function,
    file: where.file,
    line: where.line,
    column: where.column,
    generated:
      mapped !== undefined && file !== undefined && line !== undefined
        ? { file, line, column }
        : undefined,
    async: frame.async,
    construct: frame.construct,
    library,
    source,
    raw: frame.raw,
  };
}

function linked(value: unknown): [string, unknown][] {
  if (typeof value !== 'object' || value === null) return [];
  const links: [string, unknown][] = [];
  const errors = value instanceof AggregateError ? read(value, 'errors') : undefined;
  if (Array.isArray(errors)) {
    errors.forEach((item: unknown, index) => links.push([`errors[${String(index)}]`, item]));
  }
  if ('cause' in value) {
    const cause = read(value, 'cause');
    if (cause !== undefined) links.push(['cause', cause]);
  }
  return links;
}

/**
 * Builds the report of `error`: never throws, whatever was thrown.
 *
 * @example
 * ```ts
 * import { collectReport, formatText } from 'trowel/errors';
 * try {
 *   JSON.parse('{');
 * } catch (error) {
 *   console.log(formatText(await collectReport(error)));
 * }
 * ```
 */
export async function collectReport(
  error: unknown,
  options: CollectOptions = {},
): Promise<ErrorReport> {
  const isSecret = options.isSecret ?? (() => false);
  const contextLines = options.context ?? 5;
  const queue: [relation: string, value: unknown, depth: number][] = [['thrown', error, 0]];
  const seen = new Set<unknown>();
  const pending: Promise<ErrorEntry>[] = [];
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    const [relation, value, depth] = item;
    if (seen.has(value) || pending.length >= MAX_ENTRIES) continue;
    seen.add(value);
    const thrown = describeThrown(value, isSecret);
    const parsed = thrown.stack === undefined ? [] : parseStack(thrown.stack, headerOf(thrown));
    pending.push(
      Promise.all(
        parsed.map((frame) => reportFrame(frame, contextLines, options.librarySource ?? false)),
      ).then((frames) => ({
        relation,
        depth,
        name: thrown.name,
        message: thrown.message,
        properties: propertiesOf(value, isSecret),
        frames,
        stack: parsed.length === 0 ? thrown.stack : undefined,
      })),
    );
    for (const [how, next] of linked(value)) queue.push([how, next, depth + 1]);
  }
  const { request, ctx } = options;
  return {
    identificationCode: identify(error),
    date: options.date ?? new Date(),
    phase: options.phase ?? 'handler',
    errors: await Promise.all(pending),
    request:
      request === undefined
        ? undefined
        : {
            method: request.method,
            url: redactUrl(request.url, isSecret),
            headers: redactHeaders(request.headers, isSecret),
          },
    context:
      ctx === undefined
        ? undefined
        : {
            scriptName: ctx.scriptName,
            pathInfo: ctx.pathInfo,
            remoteAddr: ctx.remoteAddr,
            remotePort: ctx.remotePort,
            scheme: ctx.scheme,
            host: ctx.host,
            remoteUser: ctx.get(REMOTE_USER),
            authType: ctx.get(AUTH_TYPE),
          },
    process: {
      pid: process.pid,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      hostname: hostname(),
    },
  };
}
