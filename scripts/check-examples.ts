/**
 * Keeps the documentation honest: extracts every ```ts block from the READMEs, type-checks them all
 * against the sources, and runs the blocks marked ```ts run (each must exit 0 within 30 s).
 *
 * Blocks are written to `.examples/` (git-ignored) inside the package, so `import … from 'trowel'`
 * resolves to the sources through the package's own `exports` and the `source` condition.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const outDir = join(root, '.examples');

function readmes(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...readmes(path));
    else if (entry.name === 'README.md') found.push(path);
  }
  return found;
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir);
const toRun: string[] = [];
const files: string[] = [];
for (const readme of [
  join(root, 'README.md'),
  ...readmes(join(root, 'src')),
  ...readmes(join(root, 'examples')),
]) {
  const text = readFileSync(readme, 'utf8');
  const name =
    relative(root, readme)
      .replace(/\/?README\.md$/, '')
      .replace(/[/.]/g, '-') || 'root';
  let index = 0;
  for (const match of text.matchAll(/^```ts( run)?\n([\s\S]*?)^```$/gm)) {
    const file = join(outDir, `${name}-${++index}.ts`);
    writeFileSync(
      file,
      `// From ${relative(root, readme)}, block ${index}\n${match[2] ?? ''}export {};\n`,
    );
    files.push(file);
    if (match[1]) toRun.push(file);
  }
}

writeFileSync(
  join(outDir, 'tsconfig.json'),
  JSON.stringify({
    extends: '../tsconfig.json',
    include: ['./*.ts'],
    compilerOptions: { noUnusedLocals: false },
  }),
);
try {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(outDir, 'tsconfig.json')], {
    stdio: 'inherit',
  });
} catch {
  console.error('examples: a README example does not type-check (see above)');
  process.exit(1);
}

let failed = 0;
for (const file of toRun) {
  const result = spawnSync(process.execPath, ['--conditions=source', file], {
    cwd: outDir,
    timeout: 30_000,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    failed++;
    console.error(
      `examples: ${relative(root, file)} exited ${result.status ?? result.signal}\n${result.stderr}`,
    );
  }
}
if (failed > 0) process.exit(1);
console.log(`examples: ${files.length} type-checked, ${toRun.length} run`);
