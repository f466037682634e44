/**
 * User code in a config: `file:./module.js#name`, `npm:package#name` and `call:` references are
 * imported here. Paths are relative to the config file that names them (never to the working
 * directory), and packages are looked up from that file's directory, as Node would for a module
 * there: `node_modules` folders upwards, the package's `exports` (conditions `node`, `import`,
 * `module-sync`, `default`), else its `main`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeployError, codes, type Where } from './errors.ts';

/** A reference to an export of a module. */
export interface ModuleRef {
  /** `file` (a path) or `npm` (a package, optionally with a subpath). */
  readonly kind: 'file' | 'npm';
  /** The path or package specifier, without `#name`. */
  readonly specifier: string;
  /** The export name; `undefined` means the default export. */
  readonly exportName: string | undefined;
}

/** Splits `./x.js#name`, `pkg#name`, `/abs/x.ts`. `kind` is guessed from the specifier's shape. */
export function parseModuleRef(text: string, kind?: 'file' | 'npm'): ModuleRef | undefined {
  const hash = text.lastIndexOf('#');
  let specifier = (hash === -1 ? text : text.slice(0, hash)).trim();
  const exportName = hash === -1 ? undefined : text.slice(hash + 1).trim();
  if (specifier === '' || exportName === '') return undefined;
  if (exportName !== undefined && !/^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(exportName)) return undefined;
  // file:///abs/app.js arrives here as ///abs/app.js.
  if (specifier.startsWith('//')) specifier = specifier.replace(/^\/+/, '/');
  const looksLikePath = /^\.{0,2}\//.test(specifier);
  const resolvedKind = kind ?? (looksLikePath ? 'file' : 'npm');
  if (
    resolvedKind === 'npm' &&
    !/^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(?:\/[\w.@-]+)*$/i.test(specifier)
  ) {
    return undefined;
  }
  return { kind: resolvedKind, specifier, exportName };
}

/** The package name and subpath of an npm specifier: `@a/b/c` → `@a/b`, `./c`. */
function splitPackage(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const count = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, count).join('/');
  const rest = parts.slice(count).join('/');
  return { name, subpath: rest === '' ? '.' : `./${rest}` };
}

const CONDITIONS = ['node', 'import', 'module-sync', 'default'];

function resolveTarget(target: unknown, star: string | undefined): string | undefined {
  if (typeof target === 'string') {
    return star === undefined ? target : target.replaceAll('*', star);
  }
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = resolveTarget(item, star);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof target === 'object' && target !== null) {
    for (const [condition, value] of Object.entries(target)) {
      if (!CONDITIONS.includes(condition)) continue;
      const found = resolveTarget(value, star);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Resolves `subpath` through a package.json `exports` field (exact keys and `*` patterns). */
export function resolveExports(exports: unknown, subpath: string): string | undefined {
  const map =
    typeof exports === 'object' &&
    exports !== null &&
    !Array.isArray(exports) &&
    Object.keys(exports).some((key) => key.startsWith('.'))
      ? (exports as Record<string, unknown>)
      : { '.': exports };
  if (subpath in map) return resolveTarget(map[subpath], undefined);
  for (const [key, value] of Object.entries(map)) {
    const star = key.indexOf('*');
    if (star === -1) continue;
    const before = key.slice(0, star);
    const after = key.slice(star + 1);
    if (subpath.startsWith(before) && subpath.endsWith(after) && subpath.length >= key.length - 1) {
      return resolveTarget(value, subpath.slice(before.length, subpath.length - after.length));
    }
  }
  return undefined;
}

function packageDirectory(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    // A package can import itself by its own name (Node's self-reference).
    const own = join(dir, 'package.json');
    if (existsSync(own)) {
      try {
        if ((JSON.parse(readFileSync(own, 'utf8')) as { name?: unknown }).name === name) return dir;
      } catch {
        // An unreadable package.json is not the one we are looking for.
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** True when the npm package `name` can be found from `from`. */
export function packageInstalled(name: string, from: string): boolean {
  return packageDirectory(name, from) !== undefined;
}

/** The file an npm specifier resolves to from directory `from`; `undefined` when not found. */
export function resolvePackage(specifier: string, from: string): string | undefined {
  const { name, subpath } = splitPackage(specifier);
  const dir = packageDirectory(name, from);
  if (dir === undefined) return undefined;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports?: unknown;
    main?: unknown;
  };
  if (pkg.exports !== undefined) {
    const target = resolveExports(pkg.exports, subpath);
    return target === undefined ? undefined : join(dir, target);
  }
  const base = subpath === '.' ? (typeof pkg.main === 'string' ? pkg.main : 'index.js') : subpath;
  for (const candidate of [base, `${base}.js`, join(base, 'index.js')]) {
    const full = join(dir, candidate);
    if (existsSync(full) && statSync(full).isFile()) return full;
  }
  return undefined;
}

/** An imported export and the file it came from. */
export interface ImportedExport {
  readonly value: unknown;
  readonly file: string;
  /** How to name it in messages: `file:./app.ts#demo`. */
  readonly label: string;
}

/**
 * Imports the export `ref` names, resolving it from `baseDir`.
 *
 * @throws {DeployError} `TROWEL_ERR_DEPLOY_IMPORT` when the file or package cannot be found, the
 * module throws while loading, or the export does not exist.
 */
export async function importExport(
  ref: ModuleRef,
  baseDir: string,
  where: Where,
  label: string,
): Promise<ImportedExport> {
  let file: string | undefined;
  if (ref.kind === 'file') {
    file = isAbsolute(ref.specifier) ? ref.specifier : resolve(baseDir, ref.specifier);
    if (!existsSync(file)) {
      throw new DeployError(codes.import, where, `${label}: there is no file ${file}`);
    }
  } else {
    file = resolvePackage(ref.specifier, baseDir);
    if (file === undefined) {
      throw new DeployError(
        codes.import,
        where,
        `${label}: the npm package "${ref.specifier}" is not installed where ${baseDir} can see it (run npm install ${splitPackage(ref.specifier).name})`,
      );
    }
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new DeployError(
      codes.import,
      where,
      `${label}: importing ${file} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const name = ref.exportName ?? 'default';
  if (!(name in namespace) || namespace[name] === undefined) {
    const names = Object.keys(namespace)
      .filter((n) => namespace[n] !== undefined)
      .sort();
    throw new DeployError(
      codes.import,
      where,
      `${label}: ${file} has no ${ref.exportName === undefined ? 'default export (name one with #name)' : `export "${name}"`}; it exports ${names.length === 0 ? 'nothing' : names.join(', ')}`,
    );
  }
  return { value: namespace[name], file, label };
}
