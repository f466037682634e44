import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The module hook sees what Node itself loads, which vitest's own module runner bypasses: run a
// real Node process (the repository's pinned Node 24).
const NODE = join(import.meta.dirname, '../../node_modules/.bin/node');
const GRAPH = pathToFileURL(join(import.meta.dirname, 'module-graph.ts')).href;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(files: Readonly<Record<string, string>>): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'trowel-graph-')));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function run(dir: string): { files: string[]; seen: string[]; same: boolean } {
  return JSON.parse(execFileSync(NODE, [join(dir, 'main.mjs')], { encoding: 'utf8' })) as {
    files: string[];
    seen: string[];
    same: boolean;
  };
}

describe('moduleGraph', () => {
  it('records ES, TypeScript, CommonJS and JSON files loaded after it starts, in order', () => {
    const dir = project({
      'main.mjs': `import { moduleGraph } from '${GRAPH}';
const graph = moduleGraph();
const seen = [];
graph.subscribe((file) => seen.push(file));
await import('./app/a.mjs');
console.log(JSON.stringify({ files: graph.files(), seen, same: moduleGraph() === graph }));
`,
      'app/a.mjs': `import './b.ts';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nrequire('./c.cjs');\n`,
      'app/b.ts': `import data from './d.json' with { type: 'json' };\nexport const b: number = data.n;\n`,
      'app/c.cjs': `module.exports = 1;\n`,
      'app/d.json': `{ "n": 1 }\n`,
    });
    const { files, seen, same } = run(dir);
    expect(files).toEqual(
      ['app/a.mjs', 'app/b.ts', 'app/d.json', 'app/c.cjs'].map((file) => join(dir, file)),
    );
    expect(seen).toEqual(files);
    expect(same).toBe(true);
  });

  it('leaves out packages under node_modules, builtins and what was loaded before it started', () => {
    const dir = project({
      'main.mjs': `import './before.mjs';
import { moduleGraph } from '${GRAPH}';
const graph = moduleGraph();
await import('pkg');
await import('node:zlib');
await import('./after.mjs');
console.log(JSON.stringify({ files: graph.files(), seen: [], same: true }));
`,
      'before.mjs': '',
      'after.mjs': '',
      'node_modules/pkg/package.json': '{ "name": "pkg", "type": "module", "main": "index.js" }',
      'node_modules/pkg/index.js': 'export default 1;\n',
    });
    expect(run(dir).files).toEqual([join(dir, 'after.mjs')]);
  });
});
