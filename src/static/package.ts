/**
 * `staticPackage()`: the files of an installed npm package, by package name — a UI bundle, an icon
 * set, documentation shipped as a package. It replaces Paste's `PkgResourcesParser`, which served
 * the resources of an installed egg.
 *
 * The package is found the way Node finds it for `require()` from `from` (the `node_modules`
 * directories up the tree), by its directory rather than its entry point, so packages that export
 * no `package.json` and packages without any JavaScript work too.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/config-error.ts';
import type { Handler } from '../core/handler.ts';
import { isInside } from './open-file.ts';
import { rootOf, type StaticFilesOptions } from './options.ts';
import { staticFiles } from './static-files.ts';

/** Options of {@link staticPackage}: those of `staticFiles()` except `root`, and these. */
export interface StaticPackageOptions extends Omit<StaticFilesOptions, 'root'> {
  /** The directory inside the package to serve (`dist`, `assets/icons`). @default the package's root */
  readonly subdir?: string;
  /**
   * Where to look the package up from: a file or directory path, or a `file:` URL (pass
   * `import.meta.url` to resolve as your module would).
   * @default the working directory
   */
  readonly from?: string | URL;
}

const CODE = 'TROWEL_ERR_STATIC_PACKAGE';
// npm's rules for a package name (scoped or not), which also keep `..` and separators out.
const PACKAGE_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;

/**
 * The directory of the installed package `name`, as seen from `from`.
 *
 * @throws {ConfigError} `TROWEL_ERR_STATIC_PACKAGE` when the name is invalid or nothing is
 * installed under it.
 * @example
 * ```ts
 * packageDirectory('mime', import.meta.url); // '/app/node_modules/mime'
 * ```
 */
export function packageDirectory(name: string, from?: string | URL): string {
  if (typeof name !== 'string' || !PACKAGE_NAME.test(name)) {
    throw new ConfigError(CODE, `staticPackage(): ${JSON.stringify(name)} is not a package name`);
  }
  const base =
    from === undefined
      ? pathToFileURL(join(process.cwd(), 'noop.js'))
      : from instanceof URL || from.startsWith('file:')
        ? from
        : pathToFileURL(resolve(from.endsWith('/') ? join(from, 'noop.js') : from));
  const paths = createRequire(base).resolve.paths(name) ?? [];
  for (const dir of paths) {
    const candidate = join(dir, name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  throw new ConfigError(
    CODE,
    `staticPackage(): package ${JSON.stringify(name)} is not installed (looked in ${paths.length} node_modules directories from ${String(base)})`,
  );
}

/**
 * Serves the files of the installed package `name` (or of its `subdir`), with every option and
 * protection of `staticFiles()`.
 *
 * @throws {ConfigError} `TROWEL_ERR_STATIC_PACKAGE` for a package that is not installed or a
 * `subdir` outside it; the errors of `staticFiles()` otherwise.
 * @example
 * ```ts
 * import { staticPackage } from 'trowel/static';
 * const assets = staticPackage('mime', { subdir: 'dist', from: import.meta.url });
 * ```
 */
export function staticPackage(name: string, options: StaticPackageOptions = {}): Handler {
  const { subdir = '', from, ...rest } = options;
  const dir = rootOf('staticPackage()', packageDirectory(name, from), CODE);
  if (typeof subdir !== 'string') {
    throw new ConfigError(CODE, `staticPackage(): subdir must be a path, got ${String(subdir)}`);
  }
  // Checked on the real path, so a symlink inside the package cannot point the root elsewhere.
  const root = rootOf('staticPackage()', resolve(dir, subdir), CODE);
  if (!isInside(dir, root)) {
    throw new ConfigError(
      CODE,
      `staticPackage(): subdir ${JSON.stringify(subdir)} is outside the package`,
    );
  }
  return staticFiles({ ...rest, root });
}
