#!/usr/bin/env node
/**
 * The `trowel` command's launcher (see src/cli/main.ts for the command itself).
 *
 * In an installed package it runs the compiled `dist/cli/main.js`. In a checkout of the source
 * repository — `src/` next to this file, and not inside node_modules — it runs the TypeScript
 * sources directly (Node strips the types; the repository pins Node 24) and resolves
 * `import … from 'trowel'` in the demo and in user code to the sources through the package's
 * `source` export condition, as the tests and the README checker do. So a checkout never runs a
 * stale `dist/`, and a published package (which ships `dist/` and `bin/` but not `src/`) never
 * needs type stripping inside node_modules, which Node refuses.
 */
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);
const fromSource =
  existsSync(fileURLToPath(source)) && !fileURLToPath(import.meta.url).includes('/node_modules/');

if (fromSource) {
  const module = await import('node:module');
  if (typeof module.registerHooks !== 'function') {
    process.stderr.write(
      `trowel: running from the source repository needs the pinned Node 24 (this is ${process.version}): use npm start, or node_modules/.bin/node bin/trowel.js\n`,
    );
    process.exit(1);
  }
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier !== 'trowel' && !specifier.startsWith('trowel/')) {
        return nextResolve(specifier, context);
      }
      const conditions = [...(context.conditions ?? [])];
      if (!conditions.includes('source')) conditions.unshift('source');
      return nextResolve(specifier, { ...context, conditions });
    },
  });
}

const { main } = await import(fromSource ? source.href : compiled.href);
const status = await main(process.argv.slice(2));
if (status !== undefined) process.exit(status);
