import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import { REMOTE_USER } from '../core/keys.ts';
import { debugPage, productionPage } from './html.ts';
import { collectReport } from './report.ts';
import { formatLine, formatText } from './text.ts';

function wrapped(): Error {
  try {
    JSON.parse('{');
  } catch (error) {
    return new Error('config unreadable', { cause: error });
  }
  return new Error('unreachable');
}

describe('collectReport()', () => {
  it('lists the errors of an AggregateError after it', async () => {
    const error = new AggregateError([new Error('a'), new TypeError('b')], 'both failed');
    const report = await collectReport(error);
    expect(report.errors.map((entry) => [entry.relation, entry.message])).toEqual([
      ['thrown', 'both failed'],
      ['errors[0]', 'a'],
      ['errors[1]', 'b'],
    ]);
  });

  it('stops at a cause that loops back', async () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect((await collectReport(a)).errors.map((entry) => entry.message)).toEqual(['a', 'b']);
  });

  it('keeps a stack it cannot parse as text', async () => {
    const error = Object.assign(new Error('from elsewhere'), {
      stack: 'fn@http://example/x.js:1:2\n@http://example/y.js:3:4',
    });
    const [entry] = (await collectReport(error)).errors;
    expect(entry?.frames).toEqual([]);
    expect(entry?.stack).toBe('fn@http://example/x.js:1:2\n@http://example/y.js:3:4');
  });

  it('reads no source in node_modules unless asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trowel-report-'));
    try {
      const file = join(dir, 'node_modules', 'pkg', 'index.js');
      await mkdir(join(dir, 'node_modules', 'pkg'), { recursive: true });
      await writeFile(file, 'module.exports = () => {\n  throw new Error("lib");\n};\n');
      const error = Object.assign(new Error('lib'), {
        stack: `Error: lib\n    at fail (${file}:2:9)`,
      });
      const plain = await collectReport(error);
      expect(plain.errors[0]?.frames[0]).toMatchObject({ library: true, source: undefined });
      const asked = await collectReport(error, { librarySource: true });
      expect(asked.errors[0]?.frames[0]?.source?.lines).toContain('  throw new Error("lib");');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('records the authenticated user from the context', async () => {
    const request = new Request('http://shop.example/cart');
    const ctx = new Context(request, { remoteAddr: '192.0.2.1' }).set(REMOTE_USER, 'ann');
    const report = await collectReport(new Error('x'), { request, ctx });
    expect(report.context).toMatchObject({ remoteUser: 'ann', host: 'shop.example' });
  });
});

describe('formatText()', () => {
  it('leaves out the frames a cause shares with the error that wraps it', async () => {
    const text = formatText(await collectReport(wrapped()));
    expect(text).toMatch(/Caused by:\nSyntaxError: .*JSON/);
    expect(text).toMatch(/… \d+ more frames, as in the first error/);
  });

  it('can leave out the source', async () => {
    const report = await collectReport(new Error('x'));
    expect(formatText(report)).toContain(' | ');
    expect(formatText(report, { source: false })).not.toContain(' | ');
  });

  it('puts a caret under the column', async () => {
    const report = await collectReport(new Error('caret here'));
    expect(formatText(report)).toMatch(/> +\d+ \| .*new Error\('caret here'\).*\n +\| +\^/);
  });
});

describe('formatLine()', () => {
  it("gives Paste's one-line summary with the first line of the message", async () => {
    const report = await collectReport(new Error('first\nsecond'));
    expect(formatLine(report)).toBe(`Error ${report.identificationCode} - Error: first`);
  });
});

describe('the pages', () => {
  it('says on the debug page that the error happened while sending the body', async () => {
    const report = await collectReport(new Error('x'), { phase: 'body' });
    expect(debugPage(report, 'html')).toContain('while sending the response body');
  });

  it('gives the production page no detail beyond the code', () => {
    const page = productionPage('Try again later.', 'E-CY2DR');
    expect(page).toContain('<p>Try again later.</p>');
    expect(page).toContain('<code>E-CY2DR</code>');
  });
});
