/**
 * Checks the package layout: every `src/<capability>/index.ts` has an entry in `package.json`
 * `exports`, a README and at least one test beside it, and every export entry points at a source
 * folder that exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ExportEntry {
  readonly types: string;
  readonly source: string;
  readonly default: string;
}

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, ExportEntry | string>;
};
const problems: string[] = [];

function capabilities(dir: string, prefix = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('_')) continue;
    const rel = prefix + entry.name;
    if (existsSync(join(dir, entry.name, 'index.ts'))) found.push(rel);
    found.push(...capabilities(join(dir, entry.name), rel + '/'));
  }
  return found;
}

const exported = new Set<string>();
for (const [subpath, entry] of Object.entries(pkg.exports)) {
  if (typeof entry === 'string') continue;
  const match = /^\.\/dist\/(.+)\/index\.js$/.exec(entry.default);
  if (!match?.[1]) {
    problems.push(`exports["${subpath}"] does not point at dist/<capability>/index.js`);
    continue;
  }
  const capability = match[1];
  exported.add(capability);
  const expectedSubpath = capability === 'core' ? '.' : `./${capability}`;
  if (subpath !== expectedSubpath)
    problems.push(`exports["${subpath}"] should be "${expectedSubpath}"`);
  if (entry.types !== `./dist/${capability}/index.d.ts`)
    problems.push(`exports["${subpath}"].types is wrong`);
  if (entry.source !== `./src/${capability}/index.ts`)
    problems.push(`exports["${subpath}"].source is wrong`);
}

for (const capability of capabilities(join(root, 'src'))) {
  if (capability === 'cli') continue;
  const dir = join(root, 'src', capability);
  if (!exported.has(capability))
    problems.push(`src/${capability} has no entry in package.json exports`);
  if (!existsSync(join(dir, 'README.md'))) problems.push(`src/${capability} has no README.md`);
  if (!readdirSync(dir).some((f) => f.endsWith('.test.ts')))
    problems.push(`src/${capability} has no test`);
}
for (const capability of exported) {
  if (!existsSync(join(root, 'src', capability, 'index.ts'))) {
    problems.push(`package.json exports ${capability}, but src/${capability}/index.ts is missing`);
  }
}

if (problems.length > 0) {
  console.error(problems.map((p) => `layout: ${p}`).join('\n'));
  process.exit(1);
}
console.log('layout: ok');
