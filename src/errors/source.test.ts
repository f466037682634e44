import { execFile } from 'node:child_process';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearSourceCache, excerpt, mapPosition, readSource } from './source.ts';

const run = promisify(execFile);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trowel-source-'));
  clearSourceCache();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TS_SOURCE = `// Orders.
interface Order {
  readonly qty: number;
}

export function checkQuantity(order: Order): number {
  if (order.qty > 10) {
    throw new RangeError(\`too many: \${order.qty}\`);
  }
  return order.qty;
}
`;
// The line and column of \`throw\` in TS_SOURCE.
const THROW_LINE = 8;

/** Builds TS_SOURCE as tsc would: orders.js with a map, beside orders.ts (or inline). */
async function build(inline = false): Promise<{ js: string; source: string }> {
  const source = join(dir, 'orders.ts');
  const js = join(dir, 'orders.js');
  const out = ts.transpileModule(TS_SOURCE, {
    fileName: 'orders.ts',
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      sourceMap: !inline,
      inlineSourceMap: inline,
      inlineSources: true,
    },
  });
  await writeFile(source, TS_SOURCE);
  await writeFile(
    js,
    out.outputText.replace(/\/\/# sourceMappingURL=.*/, (comment) =>
      inline ? comment : '//# sourceMappingURL=orders.js.map',
    ),
  );
  if (!inline) await writeFile(`${js}.map`, out.sourceMapText ?? '');
  return { js, source };
}

/** The generated line and column of `throw` in the built file. */
async function throwPosition(js: string): Promise<[number, number]> {
  const lines = ((await readSource(js)) ?? '').split('\n');
  const index = lines.findIndex((line) => line.includes('throw new RangeError'));
  return [index + 1, (lines[index]?.indexOf('throw') ?? 0) + 1];
}

describe('excerpt()', () => {
  const text = ['one', 'two', 'three', 'four', 'five', 'six'].join('\n');

  it.each([
    [3, 1, 2, ['two', 'three', 'four']],
    [1, 2, 1, ['one', 'two', 'three']],
    [6, 2, 4, ['four', 'five', 'six']],
    [2, 0, 2, ['two']],
  ])('gives the lines around line %d with %d of context', (line, context, first, lines) => {
    expect(excerpt(text, line, undefined, context)).toEqual({
      firstLine: first,
      lines,
      line,
      column: undefined,
    });
  });

  it.each([0, 7])('gives nothing for line %d', (line) => {
    expect(excerpt(text, line, 1, 2)).toBeUndefined();
  });

  it('cuts a long line at 500 characters', () => {
    expect(excerpt('x'.repeat(600), 1, 1, 0)?.lines[0]).toBe(`${'x'.repeat(500)}…`);
  });
});

describe('readSource()', () => {
  it('reads a script file', async () => {
    const file = join(dir, 'a.mjs');
    await writeFile(file, 'export {};\n');
    expect(await readSource(file)).toBe('export {};\n');
  });

  it.each(['.env', 'config.json', 'id_rsa', 'shadow'])('refuses to read %s', async (name) => {
    const file = join(dir, name);
    await writeFile(file, 'SECRET=1\n');
    expect(await readSource(file)).toBeUndefined();
  });

  it('gives nothing for a missing file', async () => {
    expect(await readSource(join(dir, 'missing.js'))).toBeUndefined();
  });

  it('reads a file again once it changed', async () => {
    const file = join(dir, 'a.js');
    await writeFile(file, 'one\n');
    expect(await readSource(file)).toBe('one\n');
    await writeFile(file, 'one, two\n');
    expect(await readSource(file)).toBe('one, two\n');
  });
});

describe('mapPosition()', () => {
  it('maps a position of a built file back to the TypeScript source through its .map', async () => {
    const { js, source } = await build();
    const [line, column] = await throwPosition(js);
    expect(await mapPosition(js, line, column)).toMatchObject({
      file: source,
      line: THROW_LINE,
      column: 5,
    });
  });

  it('reads an inline data: URL map', async () => {
    const { js, source } = await build(true);
    const [line, column] = await throwPosition(js);
    expect(await mapPosition(js, line, column)).toMatchObject({ file: source, line: THROW_LINE });
  });

  it('carries the original text from sourcesContent', async () => {
    const { js, source } = await build();
    await unlink(source);
    const [line, column] = await throwPosition(js);
    expect((await mapPosition(js, line, column))?.content).toBe(TS_SOURCE);
  });

  it('gives nothing for a file without a map', async () => {
    const file = join(dir, 'plain.js');
    await writeFile(file, 'throw new Error("x");\n');
    expect(await mapPosition(file, 1, 1)).toBeUndefined();
  });

  it('gives nothing for a map that is not JSON', async () => {
    const file = join(dir, 'broken.js');
    await writeFile(file, 'throw 1;\n//# sourceMappingURL=broken.js.map\n');
    await writeFile(`${file}.map`, '{ nope');
    expect(await mapPosition(file, 1, 1)).toBeUndefined();
  });
});

describe('a real error thrown by built code, in a Node process', () => {
  it('is reported at its TypeScript line, with the source around it', async () => {
    const { js, source } = await build();
    const probe = join(dir, 'probe.mjs');
    const report = pathToFileURL(join(import.meta.dirname, 'report.ts')).href;
    await writeFile(
      probe,
      `import { collectReport } from ${JSON.stringify(report)};
import { checkQuantity } from ${JSON.stringify(pathToFileURL(js).href)};
try { checkQuantity({ qty: 11 }); } catch (error) {
  const { errors } = await collectReport(error);
  process.stdout.write(JSON.stringify(errors[0].frames[0]));
}
`,
    );
    const { stdout } = await run(process.execPath, [probe]);
    const frame = JSON.parse(stdout) as Record<string, unknown>;
    expect(frame).toMatchObject({
      function: 'checkQuantity',
      file: source,
      line: THROW_LINE,
      generated: { file: js },
      library: false,
      source: { line: THROW_LINE, firstLine: THROW_LINE - 5 },
    });
    expect(JSON.stringify(frame['source'])).toContain('throw new RangeError');
  });
});
