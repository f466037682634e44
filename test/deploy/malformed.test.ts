/**
 * The corpus of broken configs in fixtures/malformed: each file ends with a comment saying which
 * error it must produce (`# expect: CODE [section] key @line [file]`), and the error must name the
 * file, line, section and key, in a message without a stack trace.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../src/deploy/entry-points.ts';
import { loadDeployment } from '../../src/deploy/loader.ts';
import { displayPath } from '../../src/deploy/errors.ts';
import { rejection } from './helpers.ts';

const dir = join(import.meta.dirname, 'fixtures/malformed');
const EXPECT = /^# expect: (\S+)(?: \[([^\]]+)\])?(?: (.+?))? @(\d+)(?: (\S+))?$/m;

const cases = readdirSync(dir)
  .filter((name) => name.endsWith('.ini'))
  .sort()
  .map((name) => {
    const match = EXPECT.exec(readFileSync(join(dir, name), 'utf8'));
    if (!match) throw new Error(`${name} has no "# expect:" line`);
    const [, code = '', section, key, line = '0', file] = match;
    return { name, code, section, key, line: Number(line), file: join(dir, file ?? name) };
  });

/** trowel's names, plus a planned one for the "not available yet" configs. */
const REGISTRY = defaultRegistry().register('egg:Future#filter', {
  status: 'planned',
  protocol: 'filter-app',
  capability: 'trowel/future',
});

describe('the malformed-config corpus', () => {
  it('has at least 30 configs, most of them naming a section and a key', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(
      cases.filter((c) => c.section !== undefined && c.key !== undefined).length,
    ).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$name: $code at line $line', async ({ name, code, section, key, line, file }) => {
    const error = await rejection(
      loadDeployment(join(dir, name), { onWarning: () => undefined, registry: REGISTRY }),
    );
    expect({
      code: error.code,
      file: error.file,
      section: error.section,
      key: error.key,
      line: error.line,
    }).toEqual({
      code,
      file,
      section,
      key,
      line,
    });
    const place = `${displayPath(file)}:${line}${section === undefined ? '' : ` [${section}]`}${key === undefined ? '' : ` ${key}`}: `;
    expect(error.message.startsWith(place)).toBe(true);
    expect(error.message).not.toMatch(/\n\s+at /);
  });
});
