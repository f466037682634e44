/**
 * Per-request capture of console output, behind `prints()`.
 *
 * The global `console` methods that print (`log`, `info`, `warn`, `error`, `debug`, `trace`, `dir`,
 * `dirxml`, `table`, `assert`, `group`, `groupCollapsed`, `groupEnd`) are wrapped once, the first
 * time a request is captured. A wrapped method looks up the capture of the current request in an
 * `AsyncLocalStorage`: outside one (or after it has closed) it is the original method, unchanged;
 * inside one it also formats the call with a `Console` of the capture's own, so `%s` substitution,
 * `util.inspect`, tables, traces and group indentation read exactly as they would on a terminal,
 * and the group depth of one request does not leak into another.
 *
 * Not captured: `count`, `time`/`timeLog`/`timeEnd` (their labels are process-wide state),
 * `process.stdout.write` and loggers that write to file descriptors themselves (pino, winston's
 * file transports).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Console } from 'node:console';
import { Writable } from 'node:stream';

/** Which stream a piece of output went to: `warn`, `error`, `trace` and `assert` write to stderr. */
export type PrintStream = 'stdout' | 'stderr';

/** One piece of captured output. */
export interface PrintEntry {
  readonly stream: PrintStream;
  readonly text: string;
}

const METHODS = [
  'log',
  'info',
  'warn',
  'error',
  'debug',
  'trace',
  'dir',
  'dirxml',
  'table',
  'assert',
  'group',
  'groupCollapsed',
  'groupEnd',
] as const;

type Method = (typeof METHODS)[number];
type ConsoleCall = (...args: unknown[]) => void;

const storage = new AsyncLocalStorage<Capture>();
let installed = false;

/** The output captured for one request. */
export class Capture {
  /** Whether the output also goes to the real console. */
  readonly tee: boolean;
  readonly #limit: number;
  readonly #entries: PrintEntry[] = [];
  #size = 0;
  #dropped = 0;
  #closed = false;
  #console: Console | undefined;

  /** @param limit the most characters kept; the rest is counted, not kept. */
  constructor(tee: boolean, limit: number) {
    this.tee = tee;
    this.#limit = limit;
  }

  /** The captured pieces, in the order they were written. */
  get entries(): readonly PrintEntry[] {
    return this.#entries;
  }

  /** How many characters were written past the limit and not kept. */
  get dropped(): number {
    return this.#dropped;
  }

  /** False once the response has been built: later output goes to the real console only. */
  get open(): boolean {
    return !this.#closed;
  }

  /** The captured output as one string. */
  get text(): string {
    return this.#entries.map((entry) => entry.text).join('');
  }

  /** Ends the capture. */
  close(): void {
    this.#closed = true;
  }

  /** Keeps `text`, within the limit. */
  add(stream: PrintStream, text: string): void {
    const room = this.#limit - this.#size;
    const kept = text.length <= room ? text : text.slice(0, Math.max(0, room));
    this.#dropped += text.length - kept.length;
    if (kept === '') return;
    this.#size += kept.length;
    const last = this.#entries.at(-1);
    if (last?.stream === stream)
      this.#entries[this.#entries.length - 1] = { stream, text: last.text + kept };
    else this.#entries.push({ stream, text: kept });
  }

  /** The console that formats this request's calls into {@link Capture.add}. */
  get console(): Console {
    this.#console ??= new Console({
      stdout: this.#sink('stdout'),
      stderr: this.#sink('stderr'),
      colorMode: false,
    });
    return this.#console;
  }

  #sink(stream: PrintStream): Writable {
    return new Writable({
      decodeStrings: false,
      write: (chunk: unknown, _encoding, callback) => {
        // A Console writes strings; bytes would come only from a direct write to the sink.
        this.add(
          stream,
          typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(),
        );
        callback();
      },
    });
  }
}

/**
 * Runs `fn` with console output captured into `capture` (for `fn` and every asynchronous
 * continuation it starts), wrapping the console methods first if that has not been done.
 */
export function capturing<T>(capture: Capture, fn: () => T): T {
  installConsoleCapture();
  return storage.run(capture, fn);
}

function installConsoleCapture(): void {
  if (installed) return;
  installed = true;
  for (const name of METHODS) wrap(name);
}

function wrap(name: Method): void {
  const original = Reflect.get(console, name) as ConsoleCall;
  const wrapped: ConsoleCall = (...args) => {
    const capture = storage.getStore();
    if (capture === undefined || !capture.open) {
      Reflect.apply(original, console, args);
      return;
    }
    if (capture.tee) Reflect.apply(original, console, args);
    const own = capture.console;
    Reflect.apply(Reflect.get(own, name) as ConsoleCall, own, args);
  };
  Object.defineProperty(wrapped, 'name', { value: name });
  Object.defineProperty(console, name, {
    value: wrapped,
    writable: true,
    configurable: true,
    enumerable: true,
  });
}
