/**
 * The `trowel` command: `trowel serve`, `trowel entry-points`, `trowel cache purge`, `trowel help`. `bin/trowel.js` calls
 * {@link main} with the arguments and exits with the status it resolves to.
 *
 * Not for: programs that embed trowel; they call `loadDeployment()` from `trowel/deploy` and
 * `serve()` from `trowel/server` themselves.
 */
import { readFileSync } from 'node:fs';
import { defaultRegistry } from '../deploy/entry-points.ts';
import { ENTRY_POINTS_HELP, MAIN_HELP, SERVE_HELP } from './args.ts';
import { CACHE_HELP, cacheCommand } from './cache.ts';
import { serveCommand, type Output } from './serve.ts';

const line = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);

/** Writes to the process's standard output and error. */
export const stdio: Output = {
  out: (text) => process.stdout.write(line(text)),
  err: (text) => process.stderr.write(line(text)),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

function entryPoints(args: readonly string[], io: Output): number {
  const wantsHelp = args.includes('--help') || args.includes('-h');
  if (wantsHelp) {
    io.out(ENTRY_POINTS_HELP);
    return 0;
  }
  let status: string | undefined;
  if (args[0] === '--status' && args.length === 2) status = args[1];
  else if (args.length > 0) {
    io.err(`trowel entry-points: unexpected "${args.join(' ')}"\n(see trowel entry-points --help)`);
    return 2;
  }
  if (status !== undefined && !['available', 'planned', 'unsupported'].includes(status)) {
    io.err(`trowel entry-points: --status must be available, planned or unsupported`);
    return 2;
  }
  const rows = [...defaultRegistry().entries()]
    .filter(({ entry }) => status === undefined || entry.status === status)
    .map(({ name, type, entry }) => [
      name,
      type,
      entry.status,
      entry.status === 'unsupported' ? entry.reason : entry.capability,
    ]);
  const width = (column: number): number =>
    Math.max(...rows.map((row) => (row[column] ?? '').length));
  for (const row of rows) {
    io.out(
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(width(column))))
        .join('  '),
    );
  }
  return 0;
}

const HELP: Readonly<Record<string, string>> = {
  serve: SERVE_HELP,
  'entry-points': ENTRY_POINTS_HELP,
  cache: CACHE_HELP,
  help: MAIN_HELP,
};

/**
 * Runs the command line `argv` (without `node` and the script). Resolves with the exit status, or
 * `undefined` while a server runs.
 *
 * @example
 * ```ts
 * import { main } from './main.ts';
 * const status = await main(['entry-points', '--status', 'available']);
 * ```
 */
export async function main(
  argv: readonly string[],
  io: Output = stdio,
): Promise<number | undefined> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      io.err(MAIN_HELP);
      return 2;
    case '-h':
    case '--help':
      io.out(MAIN_HELP);
      return 0;
    case '-v':
    case '--version':
      io.out(version());
      return 0;
    case 'help': {
      const topic = rest[0] ?? 'help';
      const text = HELP[topic];
      if (text === undefined) {
        io.err(`trowel help: no command "${topic}" (see trowel --help)`);
        return 2;
      }
      io.out(text);
      return 0;
    }
    case 'serve':
      return serveCommand(rest, io);
    case 'entry-points':
      return entryPoints(rest, io);
    case 'cache':
      return cacheCommand(rest, io);
    default:
      io.err(`trowel: unknown command "${command}" (see trowel --help)`);
      return 2;
  }
}
