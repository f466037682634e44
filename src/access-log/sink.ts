/**
 * Where access-log lines go: a writable stream (standard output by default), or a file opened
 * once for appending (`O_APPEND`, so several processes may share it and every line lands whole at
 * the end) that `reopen()` opens again by name after logrotate has moved it.
 */
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { ConfigError } from '../core/config-error.ts';

/** Anything with a `write(string)` method: a `Writable`, `process.stdout`, a test collector. */
export interface LineWriter {
  write(chunk: string): unknown;
}

/** The destination of the lines, as the middleware uses it. */
export interface LineSink {
  write(line: string): void;
  /** Opens the file again by name (a no-op for a stream). */
  reopen(): void;
  /** Resolves when every line written so far has reached the file (at once for a stream). */
  flush(): Promise<void>;
  /** Flushes and closes the file; a later line opens it again. Leaves a stream open. */
  close(): Promise<void>;
}

/** A sink writing to `stream`, which stays the caller's to close. */
export function streamSink(stream: LineWriter): LineSink {
  return {
    write: (line) => {
      stream.write(line);
    },
    reopen: () => undefined,
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

function openAppend(path: string): number {
  // 'a' is O_WRONLY | O_CREAT | O_APPEND; the log may hold client addresses, so not world-readable.
  return openSync(path, 'a', 0o640);
}

function ended(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.closed) {
      resolve();
      return;
    }
    stream.once('close', () => {
      resolve();
    });
    stream.end();
  });
}

/**
 * A sink appending to the file at `path`, opened now so that a path that cannot be written is a
 * configuration error rather than a lost log.
 *
 * @throws {ConfigError} `TROWEL_ERR_ACCESS_LOG_FILE` when the file cannot be opened for appending.
 */
export function fileSink(path: string): LineSink {
  let fd: number;
  try {
    fd = openAppend(path);
  } catch (error) {
    throw new ConfigError(
      'TROWEL_ERR_ACCESS_LOG_FILE',
      `accessLog(): cannot open ${JSON.stringify(path)} for appending: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let warned = false;
  // A full disk or a revoked file must not take the server down; say so once per file opened.
  const warnOnce = (message: string): void => {
    if (warned) return;
    warned = true;
    process.emitWarning(`access log ${path}: ${message}`, 'TrowelAccessLogWarning');
  };
  const open = (descriptor: number): WriteStream => {
    const stream = createWriteStream(path, { fd: descriptor, autoClose: true });
    stream.on('error', (error) => {
      warnOnce(error.message);
      // A failed stream is dead: the next line opens the file afresh, so logging resumes once
      // the disk has room again. The lines queued in the failed stream are lost.
      if (current === stream) current = undefined;
    });
    return stream;
  };
  let current: WriteStream | undefined = open(fd);
  return {
    write: (line) => {
      if (current === undefined) {
        try {
          current = open(openAppend(path));
        } catch (error) {
          warnOnce(`cannot reopen after close(): ${(error as Error).message}`);
          return;
        }
      }
      current.write(line);
    },
    reopen: () => {
      let next: number;
      try {
        next = openAppend(path);
      } catch (error) {
        // Called from a signal handler, typically: keep logging to the old file rather than throw.
        process.emitWarning(
          `access log ${path}: cannot reopen: ${(error as Error).message}`,
          'TrowelAccessLogWarning',
        );
        return;
      }
      const previous = current;
      current = open(next);
      warned = false;
      if (previous !== undefined) void ended(previous);
    },
    flush: () => {
      const stream = current;
      if (stream === undefined || stream.writableLength === 0) return Promise.resolve();
      // The callback of an empty write runs once everything queued before it is written.
      return new Promise((resolve) => {
        stream.write('', () => {
          resolve();
        });
      });
    },
    close: async () => {
      const stream = current;
      current = undefined;
      if (stream !== undefined) await ended(stream);
    },
  };
}
