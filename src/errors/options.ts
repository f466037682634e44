/**
 * The options of `errors()` and their validation, done once when the middleware is built.
 */
import { createRequire } from 'node:module';
import { ConfigError } from '../core/config-error.ts';
import type { ErrorReport } from './report.ts';

/** How the debug page is laid out. */
export type ErrorPageFormat = 'html' | 'text' | 'cgitb';

/** Receives every report; may be async (its promise is not awaited, its failure is logged). */
export type ReportLogger = (report: ErrorReport) => void | Promise<void>;

/** SMTP settings, passed to nodemailer's `createTransport()`. */
export interface MailTransportOptions {
  /** The SMTP server (Paste's `smtp_server`). @default 'localhost' */
  readonly host?: string;
  /** @default 465 when `secure`, else 25 */
  readonly port?: number;
  /** TLS from the first byte (SMTPS, port 465). @default false */
  readonly secure?: boolean;
  /** Insist on STARTTLS (Paste's `smtp_use_tls`). @default false */
  readonly requireTLS?: boolean;
  /** Never use STARTTLS, even when offered. @default false */
  readonly ignoreTLS?: boolean;
  /** Log in (Paste's `smtp_username` and `smtp_password`). @default none */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** TLS settings (a private CA, the server name to verify). @default Node's */
  readonly tls?: {
    readonly rejectUnauthorized?: boolean;
    readonly servername?: string;
    readonly ca?: string | readonly string[];
  };
  /** The name given in EHLO. @default the host name */
  readonly name?: string;
  /** Milliseconds to wait for the connection. @default 10_000 */
  readonly connectionTimeout?: number;
  /** Milliseconds to wait for the greeting. @default 10_000 */
  readonly greetingTimeout?: number;
  /** Milliseconds of inactivity allowed on the connection. @default 30_000 */
  readonly socketTimeout?: number;
}

/** One error mail, as handed to a {@link MailSender}. */
export interface ErrorMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Anything that sends mail the way a nodemailer transporter does (`transporter.sendMail()`). */
export interface MailSender {
  sendMail(mail: ErrorMail): Promise<unknown>;
}

/** How many mails may go out per window; the rest are counted and the count sent with the next. */
export interface MailRateLimit {
  /** Mails per window. @default 10 */
  readonly max?: number;
  /** The window, in milliseconds. @default 60_000 */
  readonly window?: number;
}

/** Error mail (Paste's `error_email` and the `smtp_*` settings). */
export interface ErrorMailOptions {
  /** The addresses to send reports to. */
  readonly to: readonly string[];
  /** The sender (Paste's `from_address`). @default 'errors@localhost' */
  readonly from?: string;
  /** SMTP settings, or a ready transporter. @default { host: 'localhost', port: 25 } */
  readonly transport?: MailTransportOptions | MailSender;
  /** Put before each subject (Paste's `error_subject_prefix`). @default '' */
  readonly subjectPrefix?: string;
  /** @default { max: 10, window: 60_000 } */
  readonly rateLimit?: MailRateLimit;
}

/** Options of `errors()`. */
export interface ErrorsOptions {
  /**
   * Show the debug page (stack, source, request) to loopback clients (127.0.0.0/8, ::1). Other
   * clients get the production page whatever this says.
   * @default false
   */
  readonly debug?: boolean;
  /** The debug page's layout: `html`, `text` (plain text for everyone), or `cgitb`. @default 'html' */
  readonly format?: ErrorPageFormat;
  /** Source lines shown before and after each frame's line. @default 5 (10 with `cgitb`) */
  readonly context?: number;
  /** Read the source of frames in `node_modules` too. @default false */
  readonly librarySource?: boolean;
  /**
   * The production page's text (plain text, escaped in HTML).
   * @default 'An error occurred. See the error logs for more information.'
   */
  readonly errorMessage?: string;
  /** Receives each report. @default the full text report written to stderr */
  readonly log?: ReportLogger | readonly ReportLogger[];
  /** Mail each report. @default no mail */
  readonly mail?: ErrorMailOptions;
  /** Called when a mail cannot be sent. @default a line on stderr */
  readonly onMailError?: (error: unknown, report: ErrorReport) => void;
  /**
   * More header, query-parameter and property names to mask (a string matches the whole name,
   * case-insensitively; a RegExp is tested against it). Added to the defaults, never replacing
   * them: `authorization`, `cookie`, `proxy-authorization`, `set-cookie`, `x-api-key`, and any
   * name containing `password`, `passwd`, `secret`, `token`, `api-key`/`api_key`/`apikey` or
   * `credential`.
   * @default []
   */
  readonly redact?: readonly (string | RegExp)[];
}

/** The options with every default applied. */
export interface ResolvedOptions {
  readonly debug: boolean;
  readonly format: ErrorPageFormat;
  readonly context: number;
  readonly librarySource: boolean;
  readonly errorMessage: string;
  readonly loggers: readonly ReportLogger[] | undefined;
  readonly mail: ResolvedMail | undefined;
  readonly onMailError: ((error: unknown, report: ErrorReport) => void) | undefined;
  readonly isSecret: (name: string) => boolean;
}

/** Mail settings with every default applied. */
export interface ResolvedMail {
  readonly to: readonly string[];
  readonly from: string;
  readonly transport: MailTransportOptions | MailSender;
  readonly subjectPrefix: string;
  readonly max: number;
  readonly window: number;
}

export const DEFAULT_ERROR_MESSAGE = 'An error occurred. See the error logs for more information.';

const SECRET_NAMES = new Set([
  'authorization',
  'cookie',
  'proxy-authorization',
  'set-cookie',
  'x-api-key',
]);
const SECRET_PATTERN = /pass(?:word|wd)|secret|token|api[-_]?key|credential/i;
const FORMATS: readonly string[] = ['html', 'text', 'cgitb'];

function fail(what: string, message: string): never {
  throw new ConfigError(`TROWEL_ERR_ERRORS_${what}`, `errors(): ${message}`);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

function optionalString(what: string, name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') fail(what, `${name} must be a string, got ${describe(value)}`);
  return value;
}

// Header injection: a CR or LF in an address or subject would start a new header field.
function headerSafe(what: string, name: string, value: string): string {
  if (/[\r\n\0]/.test(value)) fail(what, `${name} must not contain CR, LF or NUL`);
  return value;
}

function positiveInteger(what: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    fail(
      what,
      `${name} must be a positive integer, got ${typeof value === 'number' ? String(value) : describe(value)}`,
    );
  }
  return value;
}

function isMailSender(value: object): value is MailSender {
  return typeof (value as { sendMail?: unknown }).sendMail === 'function';
}

/** Throws unless nodemailer can be loaded: mail is configured, so it is needed. */
function requireNodemailer(): void {
  try {
    createRequire(import.meta.url).resolve('nodemailer');
  } catch (error) {
    throw new ConfigError(
      'TROWEL_ERR_ERRORS_MAIL_PACKAGE',
      'errors(): mail needs the nodemailer package, which is not installed: npm install nodemailer',
      { cause: error },
    );
  }
}

function resolveMail(mail: unknown): ResolvedMail | undefined {
  if (mail === undefined) return undefined;
  if (typeof mail !== 'object' || mail === null || Array.isArray(mail)) {
    fail('MAIL', `mail must be an object, got ${describe(mail)}`);
  }
  const options = mail as ErrorMailOptions;
  const to: unknown = options.to;
  if (!Array.isArray(to) || to.length === 0) {
    fail('MAIL_TO', 'mail.to must be a non-empty array of addresses');
  }
  const addresses = to.map((address: unknown) => {
    if (typeof address !== 'string' || !address.includes('@')) {
      fail('MAIL_TO', `mail.to has ${JSON.stringify(address)}, which is not an address`);
    }
    return headerSafe('MAIL_TO', 'mail.to', address.trim());
  });
  const from = headerSafe(
    'MAIL_FROM',
    'mail.from',
    optionalString('MAIL_FROM', 'mail.from', options.from, 'errors@localhost'),
  );
  const subjectPrefix = headerSafe(
    'MAIL_SUBJECT_PREFIX',
    'mail.subjectPrefix',
    optionalString('MAIL_SUBJECT_PREFIX', 'mail.subjectPrefix', options.subjectPrefix, ''),
  );
  const transport: unknown = options.transport ?? { host: 'localhost' };
  if (typeof transport !== 'object' || transport === null || Array.isArray(transport)) {
    fail('MAIL_TRANSPORT', `mail.transport must be an object, got ${describe(transport)}`);
  }
  if (!isMailSender(transport)) requireNodemailer();
  const rateLimit: unknown = options.rateLimit ?? {};
  if (typeof rateLimit !== 'object' || rateLimit === null) {
    fail('MAIL_RATE_LIMIT', `mail.rateLimit must be an object, got ${describe(rateLimit)}`);
  }
  const limit = rateLimit as MailRateLimit;
  return {
    to: addresses,
    from,
    subjectPrefix,
    transport: transport as MailTransportOptions | MailSender,
    max: positiveInteger('MAIL_RATE_LIMIT', 'mail.rateLimit.max', limit.max, 10),
    window: positiveInteger('MAIL_RATE_LIMIT', 'mail.rateLimit.window', limit.window, 60_000),
  };
}

function resolveRedact(redact: unknown): (name: string) => boolean {
  if (redact === undefined) redact = [];
  if (!Array.isArray(redact)) fail('REDACT', 'redact must be an array of names and RegExps');
  const names = new Set(SECRET_NAMES);
  const patterns: RegExp[] = [SECRET_PATTERN];
  for (const entry of redact as unknown[]) {
    if (typeof entry === 'string' && entry !== '') names.add(entry.toLowerCase());
    else if (entry instanceof RegExp) {
      // A global or sticky RegExp keeps lastIndex between test() calls and would skip matches.
      patterns.push(new RegExp(entry.source, entry.flags.replace(/[gy]/g, '')));
    } else fail('REDACT', `redact has ${describe(entry)}, not a name or a RegExp`);
  }
  return (name) => names.has(name.toLowerCase()) || patterns.some((p) => p.test(name));
}

function resolveLog(log: unknown): readonly ReportLogger[] | undefined {
  if (log === undefined) return undefined;
  const list: unknown[] = Array.isArray(log) ? log : [log];
  for (const logger of list) {
    if (typeof logger !== 'function') {
      fail('LOG', `log must be a function or an array of functions, got ${describe(logger)}`);
    }
  }
  return list as ReportLogger[];
}

/**
 * Validates `options` and applies the defaults.
 *
 * @throws {ConfigError} `TROWEL_ERR_ERRORS_<WHAT>` naming the bad option.
 */
export function resolveOptions(options: ErrorsOptions): ResolvedOptions {
  if (typeof options !== 'object' || (options as unknown) === null) {
    fail('OPTIONS', `options must be an object, got ${describe(options)}`);
  }
  const debug: unknown = options.debug ?? false;
  if (typeof debug !== 'boolean') fail('DEBUG', `debug must be a boolean, got ${describe(debug)}`);
  const format: unknown = options.format ?? 'html';
  if (typeof format !== 'string' || !FORMATS.includes(format)) {
    fail('FORMAT', `format must be 'html', 'text' or 'cgitb', got ${JSON.stringify(format)}`);
  }
  const context: unknown = options.context ?? (format === 'cgitb' ? 10 : 5);
  if (typeof context !== 'number' || !Number.isInteger(context) || context < 0 || context > 100) {
    fail('CONTEXT', `context must be an integer from 0 to 100, got ${String(context)}`);
  }
  const librarySource: unknown = options.librarySource ?? false;
  if (typeof librarySource !== 'boolean') {
    fail('LIBRARY_SOURCE', `librarySource must be a boolean, got ${describe(librarySource)}`);
  }
  const onMailError: unknown = options.onMailError;
  if (onMailError !== undefined && typeof onMailError !== 'function') {
    fail('ON_MAIL_ERROR', `onMailError must be a function, got ${describe(onMailError)}`);
  }
  return {
    debug,
    format: format as ErrorPageFormat,
    context,
    librarySource,
    errorMessage: optionalString(
      'ERROR_MESSAGE',
      'errorMessage',
      options.errorMessage,
      DEFAULT_ERROR_MESSAGE,
    ),
    loggers: resolveLog(options.log),
    mail: resolveMail(options.mail),
    onMailError: onMailError as ResolvedOptions['onMailError'],
    isSecret: resolveRedact(options.redact),
  };
}
