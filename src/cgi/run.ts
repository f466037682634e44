/**
 * One CGI request from start to finish: the child's output read up to the end of its header
 * block, then handed on as the response body with backpressure, under a deadline, and stopped
 * when the client goes away.
 */
import type { Readable } from 'node:stream';
import { Child, type Ending } from './child.ts';
import { CGI_ERROR_CODES, CgiError, type CgiErrorCode } from './errors.ts';
import type { CgiConfig } from './options.ts';
import { HeadParser, OutputError, type CgiHead } from './output.ts';

/** What the header phase ends with. */
export type HeadResult =
  | { readonly kind: 'head'; readonly head: CgiHead; readonly rest: Uint8Array }
  | { readonly kind: 'failed'; readonly error: CgiError };

function ignore(): void {
  // Deliberately nothing.
}

/**
 * Watches one running child: its output, its exit, the deadline and the client.
 */
export class Run {
  readonly #config: CgiConfig;
  readonly #child: Child;
  readonly #request: Request;
  readonly #signal: AbortSignal;
  readonly #stdout: Readable;
  readonly #parser: HeadParser;
  #phase: 'head' | 'body' | 'discard' | 'done' = 'head';
  #stdoutEnded = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #settleHead: ((result: HeadResult) => void) | undefined;
  #rejectHead: ((reason: unknown) => void) | undefined;
  /** Resolves when the header block has arrived, or with the error that ended the run first. */
  readonly head: Promise<HeadResult>;

  constructor(config: CgiConfig, child: Child, request: Request, signal: AbortSignal) {
    this.#config = config;
    this.#child = child;
    this.#request = request;
    this.#signal = signal;
    this.#stdout = child.process.stdout;
    this.#parser = new HeadParser(config.maxOutputHeaderSize);
    this.head = new Promise<HeadResult>((resolve, reject) => {
      this.#settleHead = resolve;
      this.#rejectHead = reject;
    });
    if (config.timeout > 0) {
      this.#timer = setTimeout(() => {
        this.#timedOut();
      }, config.timeout);
    }
    signal.addEventListener('abort', this.#onAbort);
    this.#stdout.on('data', this.#onData);
    this.#stdout.once('end', () => {
      this.#stdoutEnded = true;
      this.#settle();
    });
    this.#stdout.on('error', ignore);
    void child.ended.then(() => {
      this.#settle();
    });
  }

  readonly #onAbort = (): void => {
    this.#child.stop();
    const reason: unknown = this.#signal.reason;
    if (this.#phase === 'head') this.#rejectHead?.(reason);
    else if (this.#phase === 'body') {
      // A server cancels the body in the same turn as it aborts the signal; only a reader that
      // does not is told, with the reason, that the body is cut short.
      queueMicrotask(() => {
        this.#errorBody(reason);
      });
    }
    this.#finish();
  };

  readonly #onData = (chunk: Buffer): void => {
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#phase === 'head') {
      let found: ReturnType<HeadParser['push']>;
      try {
        found = this.#parser.push(bytes);
      } catch (error) {
        const code =
          error instanceof OutputError && error.kind === 'too-large'
            ? CGI_ERROR_CODES.headerTooLarge
            : CGI_ERROR_CODES.header;
        this.#fail(code, 502, (error as Error).message);
        return;
      }
      if (found === undefined) return;
      // Hold the rest until someone wants it: the body stream, or the discarding.
      this.#stdout.pause();
      this.#phase = 'body';
      this.#settleHead?.({ kind: 'head', ...found });
    } else if (this.#phase === 'body') {
      const controller = this.#controller;
      if (controller === undefined) return;
      controller.enqueue(bytes);
      if ((controller.desiredSize ?? 0) <= 0) this.#stdout.pause();
    }
  };

  /** The rest of the output as a stream that reads from the child only as fast as it is read. */
  body(rest: Uint8Array): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
          if (rest.byteLength > 0) controller.enqueue(rest);
          // The child may have finished while the head was being read.
          this.#settle();
        },
        pull: () => {
          if (this.#phase === 'body') this.#stdout.resume();
        },
        cancel: () => {
          // Whoever read the response stopped: the client went away, most likely.
          this.#controller = undefined;
          this.#child.stop();
          this.#finish();
        },
      },
      { highWaterMark: 1 },
    );
  }

  /** Reads and drops the rest of the output (a HEAD, a 204, a local redirect), still timed. */
  discard(): void {
    if (this.#phase !== 'body') return;
    this.#phase = 'discard';
    this.#stdout.resume();
    this.#settle();
  }

  /** Stops the child and gives up on its output (a header block that cannot be answered). */
  abandon(): void {
    this.#child.stop();
    this.#finish();
  }

  /** The request body failed (the client left, or sent too much): the script is stopped. */
  bodyFailed(error: unknown): void {
    if (this.#phase === 'done') return;
    this.#child.stop();
    if (this.#phase === 'head') this.#rejectHead?.(error);
    else if (this.#phase === 'body') this.#errorBody(error);
    this.#finish();
  }

  /** Reports a problem found outside the run (a header block that cannot be answered). */
  report(code: CgiErrorCode, status: number, message: string): CgiError {
    const error = new CgiError(code, status, message, this.#child.pid);
    this.#config.onError(error, this.#request);
    return error;
  }

  #timedOut(): void {
    this.#timer = undefined;
    if (this.#phase === 'done') return;
    const message = `${this.#describe()} ran longer than the timeout of ${this.#config.timeout} ms`;
    if (this.#phase === 'head') {
      this.#fail(CGI_ERROR_CODES.timeout, 504, message);
      return;
    }
    this.#child.stop();
    const error = this.report(CGI_ERROR_CODES.timeout, 0, message);
    if (this.#phase === 'body') this.#errorBody(error);
    this.#finish();
  }

  /** Ends the header phase with an error status, and stops the child. */
  #fail(code: CgiErrorCode, status: number, message: string): void {
    this.#child.stop();
    const error = this.report(code, status, message);
    this.#settleHead?.({ kind: 'failed', error });
    this.#finish();
  }

  /** Acts on the child's exit and the end of its output, once both have happened. */
  #settle(): void {
    const ending = this.#child.ending;
    if (this.#phase === 'done' || ending === undefined) return;
    if (ending.error !== undefined) {
      // Only a program that never started has an error, so this is still the header phase.
      this.#fail(
        CGI_ERROR_CODES.spawn,
        500,
        `cannot run ${this.#describe()}: ${ending.error.message}`,
      );
      return;
    }
    if (!this.#stdoutEnded) return;
    if (this.#phase === 'head') {
      this.#fail(...this.#earlyEnd(ending));
      return;
    }
    if (this.#phase === 'body' && this.#controller === undefined) return;
    const failure = this.#failure(ending);
    if (failure !== undefined) {
      const error = this.report(CGI_ERROR_CODES.exit, 0, `${failure} after its header block`);
      // Killed by a signal mid-output: the body is cut short, and the client must be able to tell.
      if (ending.signal !== null) this.#errorBody(error);
    }
    if (this.#phase === 'body') this.#controller?.close();
    this.#finish();
  }

  #earlyEnd(ending: Ending): [CgiErrorCode, number, string] {
    const failure = this.#failure(ending);
    if (failure !== undefined)
      return [CGI_ERROR_CODES.exit, 502, `${failure} before its header block`];
    const what =
      this.#parser.buffered === 0
        ? 'produced no output'
        : 'ended its output inside the header block (no empty line after the header fields)';
    return [CGI_ERROR_CODES.header, 502, `${this.#describe()} ${what}`];
  }

  #failure(ending: Ending): string | undefined {
    if (ending.signal !== null) return `${this.#describe()} was killed by ${ending.signal}`;
    if (ending.code !== 0) return `${this.#describe()} exited with status ${String(ending.code)}`;
    return undefined;
  }

  #describe(): string {
    const pid = this.#child.pid;
    return `${this.#config.argv.join(' ')}${pid === undefined ? '' : ` (pid ${pid})`}`;
  }

  #errorBody(reason: unknown): void {
    const controller = this.#controller;
    this.#controller = undefined;
    try {
      controller?.error(reason);
    } catch {
      // Already closed or errored.
    }
  }

  #finish(): void {
    if (this.#phase === 'done') return;
    this.#phase = 'done';
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#stdout.off('data', this.#onData);
  }
}
