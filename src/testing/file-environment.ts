/**
 * `TestFileEnvironment`: a scratch directory for testing command-line programs (Paste's
 * `paste.fixture.TestFileEnvironment`). `run()` starts a real child process in it, waits for it,
 * and reports its output, its exit code and which files it created, updated or deleted, found by
 * comparing the tree before and after by content, size and mtime (mtime alone misses a rewrite
 * within the filesystem's timestamp resolution).
 *
 * A run that fails — a non-zero exit, output on stderr, a time-out — throws a {@link RunError}
 * that shows the command, the exit status and the start of both streams, unless the test said it
 * expects that. Commands are run without a shell: pass arguments as a list, or run `sh -c` when a
 * shell is what is being tested.
 *
 * Not for long-running servers (use `spawn` for those): the whole output is kept in memory.
 */
import { spawn } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../core/config-error.ts';

/** Options for {@link TestFileEnvironment}. */
export interface TestFileEnvironmentOptions {
  /** The scratch directory. @default a new directory under the system's temporary directory */
  readonly basePath?: string;
  /** Where commands run, relative to `basePath`. @default basePath */
  readonly cwd?: string;
  /** The environment of every command. @default a copy of process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Empty `basePath` when the environment is made (Paste deleted it outright). @default true */
  readonly startClear?: boolean;
  /** Paths (relative to `basePath`) left out of the before/after comparison. @default [] */
  readonly ignorePaths?: readonly string[];
  /** Leave out files and directories whose name starts with a dot. @default true */
  readonly ignoreHidden?: boolean;
  /** Kill a command that runs longer than this many milliseconds. @default 30000 */
  readonly timeout?: number;
}

/** Options for one {@link TestFileEnvironment.run}. */
export interface RunOptions {
  /** The command is expected to exit non-zero (and may write to stderr). @default false */
  readonly expectError?: boolean;
  /** Output on stderr is expected rather than a failure. @default expectError */
  readonly expectStderr?: boolean;
  /** Written to the command's standard input, which is then closed. @default empty */
  readonly stdin?: string | Uint8Array;
  /** Where to run, relative to `basePath`. @default the environment's cwd */
  readonly cwd?: string;
  /** Variables to add (or, with `undefined`, remove) for this run. @default none */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default the environment's timeout */
  readonly timeout?: number;
}

/**
 * A file or directory in the scratch tree, as seen before or after a run.
 *
 * @example
 * ```ts
 * import { TestFileEnvironment } from 'trowel/testing';
 * const env = new TestFileEnvironment();
 * const result = await env.run('sh', ['-c', 'echo built > out.txt']);
 * result.filesCreated.get('out.txt')?.mustContain('built');
 * env.remove();
 * ```
 */
export class FoundFile {
  /** The path relative to `basePath`, with `/` separators. */
  readonly path: string;
  /** The absolute path. */
  readonly full: string;
  readonly isDirectory: boolean;
  /** The size in bytes (0 for a directory). */
  readonly size: number;
  readonly mtime: Date;
  /** The content (a symbolic link's target; empty for a directory). */
  readonly bytes: Uint8Array;

  constructor(
    path: string,
    full: string,
    isDirectory: boolean,
    size: number,
    mtime: Date,
    bytes: Uint8Array,
  ) {
    this.path = path;
    this.full = full;
    this.isDirectory = isDirectory;
    this.size = size;
    this.mtime = mtime;
    this.bytes = bytes;
  }

  /** The content as UTF-8 text. */
  get text(): string {
    return new TextDecoder().decode(this.bytes);
  }

  /**
   * Asserts that the content contains every one of `strings`.
   *
   * @throws {Error} naming the missing strings.
   */
  mustContain(...strings: readonly string[]): this {
    const missing = strings.filter((s) => !this.text.includes(s));
    if (missing.length > 0) {
      throw new Error(
        `${this.path} does not contain ${missing.map((s) => JSON.stringify(s)).join(', ')}:\n${excerpt(this.text)}`,
      );
    }
    return this;
  }
}

/** What a command did. */
export interface RunResult {
  readonly command: string;
  readonly args: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  /** The exit code, or `null` when a signal ended the process. */
  readonly exitCode: number | null;
  /** The signal that ended the process, if one did. */
  readonly signal: NodeJS.Signals | null;
  /** Files and directories that appeared, by relative path. */
  readonly filesCreated: ReadonlyMap<string, FoundFile>;
  /** Files whose content, size or mtime changed (their new state). */
  readonly filesUpdated: ReadonlyMap<string, FoundFile>;
  /** Files and directories that disappeared (their old state). */
  readonly filesDeleted: ReadonlyMap<string, FoundFile>;
}

/**
 * A command that did not do what the test expected. `result` holds everything it did.
 *
 * @example
 * ```ts
 * import { RunError, TestFileEnvironment } from 'trowel/testing';
 * const env = new TestFileEnvironment();
 * const code = await env
 *   .run('false')
 *   .then(() => 0)
 *   .catch((error: unknown) => (error instanceof RunError ? error.result.exitCode : -1)); // 1
 * env.remove();
 * ```
 */
export class RunError extends Error {
  override readonly name = 'RunError';
  readonly result: RunResult;

  constructor(message: string, result: RunResult) {
    super(message);
    this.result = result;
  }
}

/**
 * A scratch directory in which to run command-line programs and check what they did.
 *
 * @example
 * ```ts
 * import { TestFileEnvironment } from 'trowel/testing';
 * const env = new TestFileEnvironment();
 * env.writeFile('in.txt', 'hello\n');
 * const result = await env.run('sh', ['-c', 'tr a-z A-Z < in.txt > out.txt']);
 * result.filesCreated.get('out.txt')?.text; // 'HELLO\n'
 * env.remove();
 * ```
 */
export class TestFileEnvironment {
  /** The scratch directory, absolute. */
  readonly basePath: string;
  readonly #options: TestFileEnvironmentOptions;
  readonly #cwd: string;

  /**
   * @throws {ConfigError} `TROWEL_ERR_TESTING_BASE_PATH` for a base path that clearing would make
   * a disaster of (the filesystem root, the home directory, the current directory or one above it).
   */
  constructor(options: TestFileEnvironmentOptions = {}) {
    this.#options = options;
    const timeout = options.timeout ?? 30_000;
    if (!Number.isFinite(timeout) || timeout <= 0) {
      throw new ConfigError(
        'TROWEL_ERR_TESTING_OPTIONS',
        'TestFileEnvironment: timeout must be a positive number',
      );
    }
    this.basePath =
      options.basePath === undefined
        ? mkdtempSync(join(tmpdir(), 'trowel-test-'))
        : resolve(options.basePath);
    const home = homedir();
    const cwd = process.cwd();
    if (
      dirname(this.basePath) === this.basePath ||
      this.basePath === home ||
      cwd === this.basePath ||
      cwd.startsWith(this.basePath + sep)
    ) {
      throw new ConfigError(
        'TROWEL_ERR_TESTING_BASE_PATH',
        `TestFileEnvironment: refusing to use ${this.basePath} as a scratch directory, since clear() empties it`,
      );
    }
    this.#cwd = this.#inside(options.cwd ?? '.');
    if (options.startClear ?? true) this.clear();
    else mkdirSync(this.basePath, { recursive: true });
    mkdirSync(this.#cwd, { recursive: true });
  }

  /** Empties the scratch directory. */
  clear(): void {
    rmSync(this.basePath, { recursive: true, force: true });
    mkdirSync(this.basePath, { recursive: true });
  }

  /** Deletes the scratch directory itself; call it when the test is done. */
  remove(): void {
    rmSync(this.basePath, { recursive: true, force: true });
  }

  /**
   * Writes a file (creating its directories) and returns it.
   *
   * @throws {Error} for a path outside the scratch directory.
   */
  writeFile(path: string, content: string | Uint8Array = ''): FoundFile {
    const full = this.#inside(path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    return this.#found(full);
  }

  /**
   * Runs `command` with `args` in the scratch directory and waits for it to exit.
   *
   * @throws {RunError} when it exits non-zero, writes to stderr or runs too long, unless
   * `expectError` / `expectStderr` say so; also when `expectError` is set and it succeeds, or when
   * it cannot be started.
   */
  async run(
    command: string,
    args: readonly string[] = [],
    options: RunOptions = {},
  ): Promise<RunResult> {
    const cwd = options.cwd === undefined ? this.#cwd : this.#inside(options.cwd);
    const env: Record<string, string> = {};
    for (const source of [this.#options.env ?? process.env, options.env ?? {}]) {
      for (const [name, value] of Object.entries(source)) {
        if (value === undefined) Reflect.deleteProperty(env, name);
        else env[name] = value;
      }
    }
    const timeout = options.timeout ?? this.#options.timeout ?? 30_000;
    const before = this.#snapshot();
    const outcome = await exec(command, args, { cwd, env, stdin: options.stdin, timeout });
    const after = this.#snapshot();
    const result: RunResult = { command, args, ...outcome.result, ...compare(before, after) };
    const expectError = options.expectError ?? false;
    const expectStderr = options.expectStderr ?? expectError;
    const shown = [command, ...args].map(quote).join(' ');
    const problem =
      outcome.startError !== undefined
        ? `could not be started: ${outcome.startError.message}`
        : outcome.timedOut
          ? `was killed after running for ${timeout} ms`
          : !expectError && result.exitCode !== 0
            ? `exited with ${result.exitCode === null ? `signal ${String(result.signal)}` : `code ${result.exitCode}`}`
            : expectError && result.exitCode === 0
              ? 'exited with code 0, but an error was expected'
              : !expectStderr && result.stderr !== ''
                ? 'wrote to stderr'
                : undefined;
    if (problem !== undefined) {
      throw new RunError(
        `${shown} (in ${cwd}) ${problem}\n--- stderr ---\n${excerpt(result.stderr)}\n--- stdout ---\n${excerpt(result.stdout)}`,
        result,
      );
    }
    return result;
  }

  #inside(path: string): string {
    const full = resolve(this.basePath, path);
    const rel = relative(this.basePath, full);
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new Error(`${path} is outside the scratch directory ${this.basePath}`);
    }
    return full;
  }

  #found(full: string): FoundFile {
    const stat = lstatSync(full);
    const path = relative(this.basePath, full).split(sep).join('/');
    const bytes = stat.isDirectory()
      ? new Uint8Array(0)
      : stat.isSymbolicLink()
        ? Buffer.from(readlinkSync(full))
        : readFileSync(full);
    return new FoundFile(
      path,
      full,
      stat.isDirectory(),
      stat.isDirectory() ? 0 : stat.size,
      stat.mtime,
      bytes,
    );
  }

  #snapshot(): Map<string, FoundFile> {
    const found = new Map<string, FoundFile>();
    const ignored = new Set(
      (this.#options.ignorePaths ?? []).map((p) => p.split(sep).join('/').replace(/\/+$/, '')),
    );
    const hidden = this.#options.ignoreHidden ?? true;
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (hidden && entry.name.startsWith('.')) continue;
        const full = join(dir, entry.name);
        if (ignored.has(relative(this.basePath, full).split(sep).join('/'))) continue;
        const file = this.#found(full);
        found.set(file.path, file);
        if (file.isDirectory) walk(full);
      }
    };
    walk(this.basePath);
    return found;
  }
}

function compare(
  before: ReadonlyMap<string, FoundFile>,
  after: ReadonlyMap<string, FoundFile>,
): Pick<RunResult, 'filesCreated' | 'filesUpdated' | 'filesDeleted'> {
  const filesCreated = new Map<string, FoundFile>();
  const filesUpdated = new Map<string, FoundFile>();
  const filesDeleted = new Map<string, FoundFile>();
  for (const [path, file] of after) {
    const old = before.get(path);
    if (!old || old.isDirectory !== file.isDirectory) filesCreated.set(path, file);
    else if (
      !file.isDirectory &&
      (old.size !== file.size ||
        old.mtime.getTime() !== file.mtime.getTime() ||
        !Buffer.from(old.bytes).equals(file.bytes))
    ) {
      filesUpdated.set(path, file);
    }
  }
  for (const [path, file] of before) {
    const now = after.get(path);
    if (!now || now.isDirectory !== file.isDirectory) filesDeleted.set(path, file);
  }
  return { filesCreated, filesUpdated, filesDeleted };
}

interface Outcome {
  readonly result: Pick<RunResult, 'stdout' | 'stderr' | 'exitCode' | 'signal'>;
  readonly timedOut: boolean;
  readonly startError: Error | undefined;
}

function exec(
  command: string,
  args: readonly string[],
  options: {
    cwd: string;
    env: Record<string, string>;
    stdin: string | Uint8Array | undefined;
    timeout: number;
  },
): Promise<Outcome> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let startError: Error | undefined;
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A child that exits without reading its input closes the pipe; that is not the test's failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeout);
    child.on('error', (error) => {
      startError = error;
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      done({
        result: {
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          exitCode,
          signal,
        },
        timedOut,
        startError,
      });
    });
  });
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function excerpt(text: string): string {
  if (text === '') return '(empty)';
  return text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length} characters)` : text;
}
