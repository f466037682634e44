/**
 * The debugging filters of Paste, mapped onto `trowel/debug/*`:
 *
 * | entry point | Paste's options | trowel |
 * |---|---|---|
 * | `egg:Paste#profile` | `log_filename` (default `profile.log.tmp`), `limit` (40) | `profile({ dir, limit })`: one `.cpuprofile` per request in the directory of `log_filename` (relative to the config file), or in the temp directory |
 * | `egg:Paste#printdebug` | `force_content_type`, `print_wsgi_errors`, `replace_stdout` | `prints({ force, tee })`; `replace_stdout` is accepted (console output is captured either way); the log goes into `<pre id="paste-debug-prints">` when the page has one |
 *
 * trowel's own options: for `profile`, `dir`, `sample_interval`, `append`, `header`,
 * `max_duration`, `html_limit`, `allow_remote`; for `printdebug`, `id`, `max_output`,
 * `html_limit`, `allow_remote`.
 */
import { dirname } from 'node:path';
import type { Handler } from '../../core/handler.ts';
import { prints } from '../../debug/prints/index.ts';
import { profile } from '../../debug/profile/index.ts';
import {
  asBool,
  asDuration,
  asInt,
  asPath,
  asSize,
  checkKeys,
  locate,
  settingWhere,
  type Settings,
} from '../converters.ts';
import { DeployError, codes } from '../errors.ts';
import type { FilterAppFactory } from '../registry.ts';
import { optional } from './optional.ts';

function profileDir(options: Settings): string | undefined {
  if (options['log_filename'] !== undefined && options['dir'] !== undefined) {
    throw new DeployError(
      codes.option,
      settingWhere(options, 'dir'),
      'give log_filename (Paste) or dir, not both',
    );
  }
  const file = asPath(options, 'log_filename');
  return file === undefined ? asPath(options, 'dir') : dirname(file);
}

const sectionOf = (): undefined => undefined;

/** `egg:Paste#profile`: `profile()` in front of `next`. */
export const profileFilterApp: FilterAppFactory = (next, options): Handler => {
  checkKeys(
    options,
    [
      'log_filename',
      'limit',
      'dir',
      'sample_interval',
      'append',
      'header',
      'max_duration',
      'html_limit',
      'allow_remote',
    ],
    'egg:Paste#profile',
  );
  const settings = {
    ...optional('dir', profileDir(options)),
    ...optional('limit', asInt(options, 'limit', { min: 1, max: 10_000 })),
    ...optional('sampleInterval', asInt(options, 'sample_interval', { min: 1 })),
    ...optional('append', asBool(options, 'append')),
    ...optional('header', asBool(options, 'header')),
    ...optional('maxDuration', asDuration(options, 'max_duration', { min: 1 })),
    ...optional('htmlLimit', asSize(options, 'html_limit', { min: 1 })),
    ...optional('allowRemote', asBool(options, 'allow_remote')),
  };
  return locate(options, sectionOf, () => profile(settings)(next));
};

/** `egg:Paste#printdebug`: `prints()` in front of `next`. */
export const printsFilterApp: FilterAppFactory = (next, options): Handler => {
  checkKeys(
    options,
    [
      'force_content_type',
      'print_wsgi_errors',
      'replace_stdout',
      'id',
      'max_output',
      'html_limit',
      'allow_remote',
    ],
    'egg:Paste#printdebug',
  );
  asBool(options, 'replace_stdout');
  const settings = {
    ...optional('force', asBool(options, 'force_content_type')),
    ...optional('tee', asBool(options, 'print_wsgi_errors')),
    // Paste's element id, so pages written for Paste keep showing the log where they meant.
    id: options['id']?.trim() ?? 'paste-debug-prints',
    ...optional('maxOutput', asSize(options, 'max_output', { min: 1 })),
    ...optional('htmlLimit', asSize(options, 'html_limit', { min: 1 })),
    ...optional('allowRemote', asBool(options, 'allow_remote')),
  };
  return locate(options, sectionOf, () => prints(settings)(next));
};
