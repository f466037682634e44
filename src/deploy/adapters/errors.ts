/**
 * Paste's error catchers, mapped onto `errors()` from `trowel/errors`:
 *
 * | entry point | Paste's options (global fallbacks) | trowel |
 * |---|---|---|
 * | `egg:Paste#error_catcher` | `debug` (`debug`), `error_email` (`error_email`, `admin_email`, `webmaster_email`, `sysadmin_email`), `error_log`, `show_exceptions_in_wsgi_errors`, `from_address` (`error_from_address`), `smtp_server`, `smtp_username`, `smtp_password`, `smtp_use_tls`, `error_subject_prefix`, `error_message` (`error_message`), `xmlhttp_key` (accepted, ignored) | `errors({ debug, mail, log, errorMessage })` |
 * | `egg:Paste#cgitb` | `display` (`debug`), `logdir`, `context`, `format` (`html` or `text`) | `errors({ format: 'cgitb' })` |
 * | `egg:Paste#evalerror` | `xmlhttp_key` (accepted, ignored) | the debug page for loopback clients; no interactive console |
 *
 * trowel's own options on all three: `format`, `context`, `library_source`, `redact`, and for
 * mail `smtp_secure`, `mail_rate_max`, `mail_rate_window`.
 */
import type { Handler } from '../../core/handler.ts';
import {
  errors,
  logToDirectory,
  logToFile,
  logToStream,
  type ErrorsOptions,
} from '../../errors/index.ts';
import {
  asBool,
  asChoice,
  asDuration,
  asInt,
  asList,
  asPath,
  checkKeys,
  locate,
  warnSetting,
  type Settings,
} from '../converters.ts';
import type { FilterAppFactory } from '../registry.ts';
import { optional } from './optional.ts';

const OWN = ['format', 'context', 'library_source', 'redact'];
const MAIL_OWN = ['smtp_secure', 'mail_rate_max', 'mail_rate_window'];

const KEY_BY_CODE: readonly (readonly [RegExp, string])[] = [
  [/MAIL_TO/, 'error_email'],
  [/MAIL_FROM/, 'from_address'],
  [/MAIL_SUBJECT/, 'error_subject_prefix'],
  [/MAIL_RATE/, 'mail_rate_max'],
  [/MAIL/, 'smtp_server'],
  [/LOG_FILE/, 'error_log'],
  [/LOG_DIR/, 'logdir'],
  [/FORMAT/, 'format'],
  [/CONTEXT/, 'context'],
  [/REDACT/, 'redact'],
  [/ERROR_MESSAGE/, 'error_message'],
];

/** The value of `key` in the section, else of the first global name that has one. */
function withFallback(
  options: Settings,
  globalConf: Settings,
  key: string,
  globals: readonly string[],
): [Settings, string] | undefined {
  if (options[key] !== undefined) return [options, key];
  const name = globals.find((global) => globalConf[global] !== undefined);
  return name === undefined ? undefined : [globalConf, name];
}

function bool(
  options: Settings,
  globalConf: Settings,
  key: string,
  globals: readonly string[],
): boolean | undefined {
  const found = withFallback(options, globalConf, key, globals);
  return found === undefined ? undefined : asBool(found[0], found[1]);
}

function common(options: Settings): ErrorsOptions {
  const redact = options['redact'] === undefined ? undefined : asList(options, 'redact');
  return {
    ...optional(
      'format',
      options['format'] === undefined
        ? undefined
        : asChoice(options, 'format', ['html', 'text', 'cgitb'] as const, 'html'),
    ),
    ...optional('context', asInt(options, 'context', { min: 0, max: 100 })),
    ...optional('librarySource', asBool(options, 'library_source')),
    ...optional('redact', redact),
  };
}

function ignoreXmlhttp(options: Settings): void {
  if (options['xmlhttp_key'] !== undefined) {
    warnSetting(
      options,
      'xmlhttp_key',
      'TROWEL_WARN_DEPLOY_IGNORED',
      'ignored: the debug page answers text to clients that do not ask for HTML',
    );
  }
}

function mailOf(options: Settings, globalConf: Settings): ErrorsOptions['mail'] {
  const to = withFallback(options, globalConf, 'error_email', [
    'error_email',
    'admin_email',
    'webmaster_email',
    'sysadmin_email',
  ]);
  const recipients = to === undefined ? [] : asList(to[0], to[1]);
  if (recipients.length === 0) return undefined;
  const from = withFallback(options, globalConf, 'from_address', ['error_from_address']);
  const server = withFallback(options, globalConf, 'smtp_server', ['smtp_server']);
  const [host, port] = (server === undefined ? 'localhost' : (server[0][server[1]] ?? '')).split(
    ':',
  );
  const user = options['smtp_username'];
  const max = asInt(options, 'mail_rate_max', { min: 1 });
  const window = asDuration(options, 'mail_rate_window', { min: 1 });
  return {
    to: recipients,
    ...optional('from', from === undefined ? undefined : from[0][from[1]]),
    transport: {
      host: host === undefined || host === '' ? 'localhost' : host,
      ...optional('port', port === undefined ? undefined : Number(port)),
      ...optional('secure', asBool(options, 'smtp_secure')),
      ...optional('requireTLS', asBool(options, 'smtp_use_tls')),
      ...(user === undefined ? {} : { auth: { user, pass: options['smtp_password'] ?? '' } }),
    },
    ...optional('subjectPrefix', options['error_subject_prefix']),
    ...(max === undefined && window === undefined
      ? {}
      : { rateLimit: { ...optional('max', max), ...optional('window', window) } }),
  };
}

function build(options: Settings, next: Handler, settings: () => ErrorsOptions): Handler {
  return locate(
    options,
    (code) => KEY_BY_CODE.find(([pattern]) => pattern.test(code))?.[1],
    () => errors(settings())(next),
  );
}

/** `egg:Paste#error_catcher`: Paste's ErrorMiddleware. */
export const errorCatcherFilterApp: FilterAppFactory = (next, options, globalConf): Handler => {
  checkKeys(
    options,
    [
      'debug',
      'error_email',
      'error_log',
      'show_exceptions_in_wsgi_errors',
      'from_address',
      'smtp_server',
      'smtp_username',
      'smtp_password',
      'smtp_use_tls',
      'error_subject_prefix',
      'error_message',
      'xmlhttp_key',
      ...OWN,
      ...MAIL_OWN,
    ],
    'egg:Paste#error_catcher',
  );
  ignoreXmlhttp(options);
  const debug = bool(options, globalConf, 'debug', ['debug']);
  const mail = mailOf(options, globalConf);
  const errorLog = asPath(options, 'error_log');
  const showAll = bool(options, globalConf, 'show_exceptions_in_wsgi_errors', [
    'show_exceptions_in_wsgi_errors',
  ]);
  const message = withFallback(options, globalConf, 'error_message', ['error_message']);
  return build(options, next, () => ({
    ...common(options),
    ...optional('debug', debug),
    ...optional('mail', mail),
    ...optional('errorMessage', message === undefined ? undefined : message[0][message[1]]),
    // Paste wrote the full report to wsgi.errors only when nothing else received it, or when asked.
    ...(errorLog === undefined && mail === undefined
      ? {}
      : {
          log: [
            ...(errorLog === undefined ? [] : [logToFile(errorLog)]),
            logToStream(process.stderr, { oneLine: showAll !== true }),
          ],
        }),
  }));
};

/** `egg:Paste#cgitb`: the cgitb-style report. */
export const cgitbFilterApp: FilterAppFactory = (next, options, globalConf): Handler => {
  checkKeys(
    options,
    ['display', 'logdir', 'context', 'format', 'library_source', 'redact'],
    'egg:Paste#cgitb',
  );
  const display = bool(options, globalConf, 'display', ['debug']);
  const logdir = asPath(options, 'logdir');
  const format = asChoice(options, 'format', ['html', 'text', 'cgitb'] as const, 'html');
  return build(options, next, () => ({
    ...common({ ...options, format: format === 'text' ? 'text' : 'cgitb' }),
    ...optional('debug', display),
    ...(logdir === undefined
      ? {}
      : { log: [logToDirectory(logdir), logToStream(process.stderr, { oneLine: true })] }),
  }));
};

/** `egg:Paste#evalerror`: the debug page (loopback clients only), without a console. */
export const evalErrorFilterApp: FilterAppFactory = (next, options): Handler => {
  checkKeys(options, ['xmlhttp_key', ...OWN], 'egg:Paste#evalerror');
  ignoreXmlhttp(options);
  return build(options, next, () => ({ ...common(options), debug: true }));
};
