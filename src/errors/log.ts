/**
 * Where reports are written: a stream (stderr by default, the full text report or Paste's one-line
 * summary), a file the text reports are appended to (Paste's `error_log`), or a directory with one
 * file per report (cgitb's `logdir`). Each is a {@link ReportLogger} for the `log` option.
 */
import { statSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../core/config-error.ts';
import type { ReportLogger } from './options.ts';
import { formatLine, formatText } from './text.ts';

const SEPARATOR = `\n${'-'.repeat(72)}\n`;

/** Options of {@link logToStream}. */
export interface StreamLogOptions {
  /** Write the one-line summary instead of the full report. @default false */
  readonly oneLine?: boolean;
}

/**
 * Writes each report to a stream: the full text report, or one line (`Error E-7hbj4 - Name:
 * message`, as Paste wrote to `wsgi.errors` when the full report went elsewhere).
 *
 * @example
 * ```ts
 * import { errors, logToFile, logToStream } from 'trowel/errors';
 * const mw = errors({ log: [logToFile('/tmp/errors.log'), logToStream(process.stderr, { oneLine: true })] });
 * ```
 */
export function logToStream(
  stream: { write(text: string): unknown } = process.stderr,
  options: StreamLogOptions = {},
): ReportLogger {
  const oneLine = options.oneLine ?? false;
  return (report) => {
    stream.write(oneLine ? `${formatLine(report)}\n` : `${formatText(report)}${SEPARATOR}`);
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Runs writes one after another, so two reports never interleave in one file. */
function serial(): (write: () => Promise<void>) => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  return (write) => (last = last.then(write, write));
}

/**
 * Appends each text report to `file` (Paste's `error_log`).
 *
 * @throws {ConfigError} `TROWEL_ERR_ERRORS_LOG_FILE` when the file's directory does not exist.
 * @example
 * ```ts
 * import { errors, logToFile } from 'trowel/errors';
 * const mw = errors({ log: logToFile('/tmp/errors.log') });
 * ```
 */
export function logToFile(file: string): ReportLogger {
  if (typeof file !== 'string' || file === '' || !isDirectory(dirname(file))) {
    throw new ConfigError(
      'TROWEL_ERR_ERRORS_LOG_FILE',
      `errors(): the directory of the error log ${JSON.stringify(file)} does not exist`,
    );
  }
  const queue = serial();
  return (report) =>
    queue(() => appendFile(file, `${formatText(report)}${SEPARATOR}`, { mode: 0o600 }));
}

/**
 * Writes each text report to its own file in `directory` (cgitb's `logdir`), named after its
 * identification code, time and process: `E-CY2DR-20250102T030405123Z-4242.txt`.
 *
 * @throws {ConfigError} `TROWEL_ERR_ERRORS_LOG_DIR` when `directory` is not a directory.
 * @example
 * ```ts
 * import { errors, logToDirectory } from 'trowel/errors';
 * const mw = errors({ log: logToDirectory('/tmp') });
 * ```
 */
export function logToDirectory(directory: string): ReportLogger {
  if (typeof directory !== 'string' || !isDirectory(directory)) {
    throw new ConfigError(
      'TROWEL_ERR_ERRORS_LOG_DIR',
      `errors(): the report directory ${JSON.stringify(directory)} does not exist`,
    );
  }
  let sequence = 0;
  return async (report) => {
    const stamp = report.date.toISOString().replace(/[-:.]/g, '');
    sequence += 1;
    const name = `${report.identificationCode}-${stamp}-${String(process.pid)}-${String(sequence)}.txt`;
    // `wx`: never overwrite a report already there.
    await writeFile(join(directory, name), formatText(report), { flag: 'wx', mode: 0o600 });
  };
}
