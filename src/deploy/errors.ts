/**
 * Errors and warnings of the config loader. Every one names where the mistake is: the file, the
 * line, the section and the key, so a user can go straight to it, and none carries a stack trace
 * worth showing (the CLI prints the message alone).
 */
import { relative, sep } from 'node:path';
import { ConfigError } from '../core/config-error.ts';

/** A place in a config file (or on the command line). */
export interface Where {
  /** The absolute path of the file, or a description such as `the command line`. */
  readonly file: string;
  /** The section name as written between the brackets, e.g. `app:main`. */
  readonly section?: string;
  /** The key, as written (`set debug`, `use`, `port`, …). */
  readonly key?: string;
  /** The 1-based line number. */
  readonly line?: number;
}

/** Shows a path relative to the working directory when it is inside it, else absolute. */
export function displayPath(file: string): string {
  if (!file.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : file;
}

/** `site.ini:12 [app:main] port` — the prefix of every message about `where`. */
export function formatWhere(where: Where): string {
  let text = displayPath(where.file);
  if (where.line !== undefined) text += `:${where.line}`;
  if (where.section !== undefined) text += ` [${where.section}]`;
  if (where.key !== undefined) text += ` ${where.key}`;
  return text;
}

/**
 * A mistake in a deploy config, found while it is loaded. The message starts with the file, line,
 * section and key (`site.ini:12 [app:main] port: …`), which are also fields, for tools.
 *
 * @example
 * ```ts
 * import { isDeployError, loadApp } from 'trowel/deploy';
 * try {
 *   await loadApp('config:/nowhere/site.ini');
 * } catch (error) {
 *   if (isDeployError(error)) console.error(error.message); // no stack trace: it is the user's
 * }
 * ```
 */
export class DeployError extends ConfigError {
  /** The file the mistake is in (absolute), or `the command line`. */
  readonly file: string;
  /** The section, when the mistake is inside one. */
  readonly section: string | undefined;
  /** The key, when the mistake is in one value. */
  readonly key: string | undefined;
  /** The 1-based line, when known. */
  readonly line: number | undefined;
  /** The message without the place prefix. */
  readonly detail: string;

  constructor(code: string, where: Where, detail: string, options?: ErrorOptions) {
    super(code, `${formatWhere(where)}: ${detail}`, options);
    this.file = where.file;
    this.section = where.section;
    this.key = where.key;
    this.line = where.line;
    this.detail = detail;
  }
}

/** True for a {@link DeployError}, also one made by another copy of trowel. */
export function isDeployError(value: unknown): value is DeployError {
  return (
    value instanceof Error &&
    value.name === 'ConfigError' &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { file?: unknown }).file === 'string' &&
    typeof (value as { detail?: unknown }).detail === 'string'
  );
}

/** Something in a config that works but probably does not do what its author meant. */
export interface DeployWarning {
  /** A stable code, `TROWEL_WARN_DEPLOY_<WHAT>`. */
  readonly code: string;
  /** The full message, starting with the place. */
  readonly message: string;
  readonly where: Where;
}

/** Builds a {@link DeployWarning}. */
export function deployWarning(code: string, where: Where, detail: string): DeployWarning {
  return { code, message: `${formatWhere(where)}: ${detail}`, where };
}

/** Error codes of the loader, listed in `docs/errors.md`. */
export const codes = {
  syntax: 'TROWEL_ERR_DEPLOY_SYNTAX',
  interpolation: 'TROWEL_ERR_DEPLOY_INTERPOLATION',
  file: 'TROWEL_ERR_DEPLOY_FILE',
  notFound: 'TROWEL_ERR_DEPLOY_NOT_FOUND',
  ambiguous: 'TROWEL_ERR_DEPLOY_AMBIGUOUS',
  section: 'TROWEL_ERR_DEPLOY_SECTION',
  uri: 'TROWEL_ERR_DEPLOY_URI',
  unavailable: 'TROWEL_ERR_DEPLOY_UNAVAILABLE',
  unsupported: 'TROWEL_ERR_DEPLOY_UNSUPPORTED',
  kind: 'TROWEL_ERR_DEPLOY_KIND',
  import: 'TROWEL_ERR_DEPLOY_IMPORT',
  export: 'TROWEL_ERR_DEPLOY_EXPORT',
  value: 'TROWEL_ERR_DEPLOY_VALUE',
  option: 'TROWEL_ERR_DEPLOY_OPTION',
  variable: 'TROWEL_ERR_DEPLOY_VARIABLE',
  require: 'TROWEL_ERR_DEPLOY_REQUIRE',
  factory: 'TROWEL_ERR_DEPLOY_FACTORY',
} as const;
