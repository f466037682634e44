/**
 * `trowel cache purge`: removes entries of a disk cache (`egg:wsgi_cache#middleware`,
 * `diskCache()`), by URL path or all of them. The directory is given with `--dir`, or found in a
 * config file: the config is loaded as `trowel serve` would load it (nothing listens), and every
 * `egg:wsgi_cache#middleware` section it uses names its `cache_dir`.
 */
import { resolve } from 'node:path';
import { isConfigError } from '../core/config-error.ts';
import { diskCacheOptions } from '../deploy/adapters/disk-cache.ts';
import { defaultRegistry } from '../deploy/entry-points.ts';
import { loadDeployment } from '../deploy/loader.ts';
import { purgeCache } from '../disk-cache/index.ts';
import { report, type Output } from './serve.ts';

export const CACHE_HELP = `Usage: trowel cache purge [--dir DIR | config.ini[#app]] (PATH ... | --all)

Removes disk-cache entries: each PATH is a URL path as clients request it (/about, /docs/), and
--all empties the cache. The cache directory is DIR, or every cache_dir of the
egg:wsgi_cache#middleware sections config.ini uses (loaded as trowel serve loads it; nothing is
served). Entries are removed with their metadata; a server using the cache answers the next
request for them from the application. Prints how many entries were removed.

Options:
  --dir DIR   the cache directory
  --all       remove every entry
  -h, --help  show this help
`;

interface PurgeArgs {
  readonly dir: string | undefined;
  readonly config: string | undefined;
  readonly paths: readonly string[];
  readonly all: boolean;
}

function parse(args: readonly string[]): PurgeArgs | string {
  let dir: string | undefined;
  let config: string | undefined;
  let all = false;
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--all') all = true;
    else if (arg === '--dir') {
      dir = args[++i];
      if (dir === undefined || dir === '') return '--dir needs a directory';
    } else if (arg.startsWith('-')) return `unknown option "${arg}"`;
    else if (arg.startsWith('/')) paths.push(arg);
    else if (config === undefined) config = arg;
    else return `unexpected "${arg}": paths start with /`;
  }
  if (dir !== undefined && config !== undefined) return 'give --dir or a config file, not both';
  if (dir === undefined && config === undefined) return 'give --dir DIR or a config file';
  if (all === paths.length > 0) return 'give the paths to purge, or --all';
  return { dir, config, paths, all };
}

/** The cache directories the config's `egg:wsgi_cache#middleware` sections use. */
async function cacheDirs(config: string): Promise<string[]> {
  const dirs: string[] = [];
  const registry = defaultRegistry().register('egg:wsgi_cache#middleware', {
    status: 'available',
    protocol: 'filter-app',
    capability: 'trowel/disk-cache',
    load: () => ({
      protocol: 'filter-app',
      create: (next, options) => {
        dirs.push(diskCacheOptions(options).cacheDir);
        return next;
      },
    }),
  });
  await loadDeployment(config, { registry, onWarning: () => undefined });
  return [...new Set(dirs)];
}

/** Runs `trowel cache …`; resolves with the exit status. */
export async function cacheCommand(args: readonly string[], io: Output): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(CACHE_HELP);
    return 0;
  }
  if (args[0] !== 'purge') {
    io.err(`trowel cache: expected "purge" (see trowel cache --help)`);
    return 2;
  }
  const parsed = parse(args.slice(1));
  if (typeof parsed === 'string') {
    io.err(`trowel cache purge: ${parsed} (see trowel cache --help)`);
    return 2;
  }
  let dirs: string[];
  try {
    dirs = parsed.dir !== undefined ? [resolve(parsed.dir)] : await cacheDirs(parsed.config ?? '');
  } catch (error) {
    report(error, io);
    return isConfigError(error) ? 2 : 1;
  }
  if (dirs.length === 0) {
    io.err(`trowel cache purge: ${parsed.config ?? ''} uses no egg:wsgi_cache#middleware`);
    return 2;
  }
  let removed = 0;
  for (const dir of dirs) {
    removed += await purgeCache(dir, parsed.all ? { all: true } : { paths: parsed.paths });
  }
  io.out(`trowel cache purge: removed ${String(removed)} entr${removed === 1 ? 'y' : 'ies'}`);
  return 0;
}
