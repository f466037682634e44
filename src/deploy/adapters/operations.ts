/**
 * The operations entry points of Paste, mapped onto trowel:
 *
 * | entry point | Paste's options | trowel |
 * |---|---|---|
 * | `egg:Paste#translogger` | `format` (default combined); `logger_name`, `logging_level`, `set_logger_level`, `setup_console_handler` (accepted with a warning: lines go to stdout or `file`) | `accessLog({ format, file, timezone, requestId })`; `format` is `combined`, `common`, `json` or a Paste `%(NAME)s` string |
 * | `egg:Paste#wdg_validate` | `wdg_path` (accepted with a warning: validation runs in-process with html-validate) | `validateHtml({ mode, limit, config })` |
 * | `egg:Paste#test` | none | `debugApp()` |
 * | `egg:Paste#test_slow` | `chunk_size` (4096), `delay` (1 s), `progress` (true) | `slowApp()` |
 * | `egg:PasteScript#test` | `text`, `lint` | `echoApp()` (trowel adds `redact`) |
 *
 * trowel's own options: for `translogger`, `file`, `timezone` (`local` or `utc`),
 * `request_id_header`; for `wdg_validate`, `mode` (`append` or `log`), `limit` (a size) and
 * `preset` (html-validate presets).
 */
import { accessLog } from '../../access-log/index.ts';
import type { Handler } from '../../core/handler.ts';
import { debugApp, echoApp, slowApp } from '../../debug/index.ts';
import { validateHtml } from '../../debug/validate/index.ts';
import {
  asBool,
  asChoice,
  asDuration,
  asList,
  asPath,
  asSize,
  checkKeys,
  locate,
  warnSetting,
  type Settings,
} from '../converters.ts';
import type { AppFactory, FilterAppFactory } from '../registry.ts';
import { optional } from './optional.ts';

const IGNORED = 'TROWEL_WARN_DEPLOY_IGNORED';

function ignore(options: Settings, keys: readonly string[], why: string): void {
  for (const key of keys) {
    if (options[key] !== undefined) warnSetting(options, key, IGNORED, `ignored: ${why}`);
  }
}

const keyFrom =
  (table: readonly (readonly [RegExp, string])[]) =>
  (code: string): string | undefined =>
    table.find(([pattern]) => pattern.test(code))?.[1];

/** `egg:Paste#translogger`: `accessLog()` in front of `next`. */
export const accessLogFilterApp: FilterAppFactory = (next, options): Handler => {
  checkKeys(
    options,
    [
      'format',
      'logger_name',
      'logging_level',
      'set_logger_level',
      'setup_console_handler',
      'file',
      'timezone',
      'request_id_header',
    ],
    'egg:Paste#translogger',
  );
  ignore(
    options,
    ['logger_name', 'logging_level', 'set_logger_level', 'setup_console_handler'],
    'trowel writes access lines to standard output or to `file`, without a logging framework',
  );
  const settings = {
    ...optional('format', options['format']),
    ...optional('file', asPath(options, 'file')),
    ...optional(
      'timezone',
      options['timezone'] === undefined
        ? undefined
        : asChoice(options, 'timezone', ['local', 'utc'] as const, 'local'),
    ),
    ...optional('requestId', options['request_id_header']?.trim()),
  };
  const middleware = locate(
    options,
    keyFrom([
      [/FORMAT/, 'format'],
      [/FILE|DESTINATION/, 'file'],
      [/TIMEZONE/, 'timezone'],
      [/REQUEST_ID/, 'request_id_header'],
    ]),
    () => accessLog(settings),
  );
  return middleware(next);
};

/** `egg:Paste#wdg_validate`: `validateHtml()` in front of `next`. */
export const validateFilterApp: FilterAppFactory = (next, options): Handler => {
  checkKeys(options, ['wdg_path', 'mode', 'limit', 'preset'], 'egg:Paste#wdg_validate');
  ignore(options, ['wdg_path'], 'validation runs in-process with html-validate');
  const presets = asList(options, 'preset');
  const settings = {
    ...optional(
      'mode',
      options['mode'] === undefined
        ? undefined
        : asChoice(options, 'mode', ['append', 'log'] as const, 'append'),
    ),
    ...optional('limit', asSize(options, 'limit', { min: 1 })),
    ...(presets.length > 0 ? { config: { extends: presets } } : {}),
  };
  return locate(
    options,
    keyFrom([
      [/CONFIG|PEER/, 'preset'],
      [/MODE/, 'mode'],
      [/LIMIT/, 'limit'],
    ]),
    () => validateHtml(settings)(next),
  );
};

/** `egg:Paste#test`: Paste's fixed test page. */
export const debugAppFactory: AppFactory = (options): Handler => {
  checkKeys(options, [], 'egg:Paste#test');
  return debugApp();
};

/** `egg:Paste#test_slow`: a page sent slowly, in chunks. */
export const slowAppFactory: AppFactory = (options): Handler => {
  checkKeys(options, ['chunk_size', 'delay', 'progress'], 'egg:Paste#test_slow');
  const settings = {
    ...optional('chunkSize', asSize(options, 'chunk_size', { min: 1 })),
    // Paste's delay is in seconds; a bare number still is.
    ...optional('delay', asDuration(options, 'delay', { min: 0 })),
    ...optional('progress', asBool(options, 'progress')),
  };
  return locate(
    options,
    keyFrom([
      [/CHUNK/, 'chunk_size'],
      [/DELAY/, 'delay'],
    ]),
    () => slowApp(settings),
  );
};

/** `egg:PasteScript#test`: an app that echoes the request. */
export const echoAppFactory: AppFactory = (options): Handler => {
  checkKeys(options, ['text', 'lint', 'redact'], 'egg:PasteScript#test');
  const redact = options['redact'] === undefined ? undefined : asList(options, 'redact');
  return echoApp({
    ...optional('text', asBool(options, 'text')),
    ...optional('lint', asBool(options, 'lint')),
    ...optional('redact', redact),
  });
};
