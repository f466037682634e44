import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { logToDirectory, logToFile, logToStream } from './log.ts';
import { collectReport, type ErrorReport } from './report.ts';

let dir: string;
let report: ErrorReport;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trowel-log-'));
  report = await collectReport(new TypeError('the widget is broken'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isConfigError(error) ? error.code : 'not a ConfigError';
  }
  return undefined;
}

describe('logToStream()', () => {
  it('writes the full text report', () => {
    const written: string[] = [];
    void logToStream({ write: (text: string) => written.push(text) })(report);
    expect(written[0]).toMatch(/^Error E-\w{5} at .*\n\nTypeError: the widget is broken\n {4}at /);
  });

  it("writes Paste's one-line summary when asked", () => {
    const written: string[] = [];
    void logToStream({ write: (text: string) => written.push(text) }, { oneLine: true })(report);
    expect(written).toEqual([
      `Error ${report.identificationCode} - TypeError: the widget is broken\n`,
    ]);
  });
});

describe('logToFile()', () => {
  it('appends each report, whole, one after the other', async () => {
    const file = join(dir, 'errors.log');
    const log = logToFile(file);
    const second = await collectReport(new RangeError('second one'));
    await Promise.all([log(report), log(second)]);
    const text = await readFile(file, 'utf8');
    expect(text.indexOf('TypeError: the widget is broken')).toBeLessThan(
      text.indexOf('RangeError: second one'),
    );
    expect(text.match(/^-{72}$/gm)).toHaveLength(2);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('refuses a file in a directory that does not exist', () => {
    expect(codeOf(() => logToFile(join(dir, 'missing', 'errors.log')))).toBe(
      'TROWEL_ERR_ERRORS_LOG_FILE',
    );
  });
});

describe('logToDirectory()', () => {
  it('writes each report to a file of its own named after its code', async () => {
    const log = logToDirectory(dir);
    await log(report);
    await log(report);
    const names = await readdir(dir);
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(name).toMatch(
        new RegExp(`^${report.identificationCode}-\\d{8}T\\d{9}Z-\\d+-\\d+\\.txt$`),
      );
    }
    expect(await readFile(join(dir, names[0] ?? ''), 'utf8')).toContain(
      'TypeError: the widget is broken',
    );
  });

  it('refuses a directory that does not exist', () => {
    expect(codeOf(() => logToDirectory(join(dir, 'missing')))).toBe('TROWEL_ERR_ERRORS_LOG_DIR');
  });
});
