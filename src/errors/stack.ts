/**
 * Parses V8 stack traces (`error.stack` in Node, Deno, Bun's V8 mode and Chromium) into frames:
 * function, file, line and column, and whether the call was `async` or a `new`.
 *
 * Only the trailing block of `    at …` lines is read, after the `Name: message` header; a message
 * that itself contains lines shaped like frames (user input, say) is skipped when the header is
 * known, so it cannot make the report read a file of the attacker's choosing. Source is read only
 * for script files anyway (see `source.ts`).
 *
 * Not for other engines' formats (SpiderMonkey's `fn@file:1:2`, JavaScriptCore's): those stacks
 * give no frames, and the report shows the stack text as it is.
 */
import { fileURLToPath } from 'node:url';

/** One `at …` line of a V8 stack trace. */
export interface StackFrame {
  /** The function as V8 names it (`Foo.bar`, `new Foo`'s `Foo`, `fn [as alias]`); none at top level. */
  readonly function: string | undefined;
  /** A file path (a `file:` URL is turned into one), `node:…` for Node's internals, or a URL. */
  readonly file: string | undefined;
  /** 1-based line. */
  readonly line: number | undefined;
  /** 1-based column. */
  readonly column: number | undefined;
  /** The frame was an `await` continuation (`at async fn`). */
  readonly async: boolean;
  /** The frame was a constructor call (`at new Foo`). */
  readonly construct: boolean;
  /** Built-in code with no location (`native`, `<anonymous>`, `index 0`, `eval`). */
  readonly native: boolean;
  /** The line as V8 wrote it, trimmed. */
  readonly raw: string;
}

const FRAME_LINE = /^\s+at\s+\S/;

/**
 * Parses the frames of a V8 stack trace.
 *
 * @param stack `error.stack`.
 * @param header the `Name: message` line(s) V8 put first, when known (`String(error)` at the time
 * it was thrown): frames are then read only after it.
 * @example
 * ```ts
 * import { parseStack } from 'trowel/errors';
 * const [top] = parseStack(new Error('boom').stack ?? '');
 * console.log(top?.file, top?.line, top?.column);
 * ```
 */
export function parseStack(stack: string, header?: string): StackFrame[] {
  let text = stack;
  if (header !== undefined && text.startsWith(header)) text = text.slice(header.length);
  const lines = text.split('\n');
  // The frames are the trailing run of `at` lines: whatever comes before belongs to the message.
  let first = lines.length;
  while (first > 0 && FRAME_LINE.test(lines[first - 1] ?? '')) first -= 1;
  const frames: StackFrame[] = [];
  for (let i = first; i < lines.length; i += 1) {
    frames.push(parseFrame((lines[i] ?? '').trim()));
  }
  return frames;
}

/** Parses one `at …` line (with or without the leading `at `). */
export function parseFrame(line: string): StackFrame {
  const raw = line.trim();
  let rest = raw.startsWith('at ') ? raw.slice(3).trim() : raw;
  let fn: string | undefined;
  let location = rest;
  if (rest.endsWith(')')) {
    const open = matchingOpen(rest);
    if (open > 0) {
      fn = rest.slice(0, open).trim();
      location = rest.slice(open + 1, -1);
    }
  }
  let isAsync = false;
  let construct = false;
  if (fn !== undefined) {
    if (fn.startsWith('async ')) {
      isAsync = true;
      fn = fn.slice(6);
    }
    if (fn.startsWith('new ')) {
      construct = true;
      fn = fn.slice(4);
    }
  } else if (rest.startsWith('async ')) {
    // `at async file:///x.js:1:2`: an anonymous continuation.
    isAsync = true;
    rest = rest.slice(6);
    location = rest;
  }
  return {
    function: fn === '' ? undefined : fn,
    ...parseLocation(location),
    async: isAsync,
    construct,
    raw,
  };
}

function matchingOpen(text: string): number {
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i -= 1) {
    const char = text[i];
    if (char === ')') depth += 1;
    else if (char === '(') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

type Location = Pick<StackFrame, 'file' | 'line' | 'column' | 'native'>;
const NOWHERE: Location = { file: undefined, line: undefined, column: undefined, native: true };

function parseLocation(location: string): Location {
  // `eval at fn (file.js:1:2), <anonymous>:3:4`: the position is inside the evaluated text, which
  // is in no file.
  if (location.startsWith('eval at ')) return NOWHERE;
  const position = /^(.*?):(\d+)(?::(\d+))?$/.exec(location);
  if (position === null) return NOWHERE;
  const [, where = '', line = '', column] = position;
  if (where === '' || where === '<anonymous>') return NOWHERE;
  return {
    file: toPath(where),
    line: Number(line),
    column: column === undefined ? undefined : Number(column),
    native: false,
  };
}

function toPath(where: string): string {
  if (!where.startsWith('file://')) return where;
  try {
    return fileURLToPath(where);
  } catch {
    return where;
  }
}

/** True for frames outside the application: Node's internals and installed packages. */
export function isLibraryFile(file: string | undefined): boolean {
  if (file === undefined) return true;
  return (
    file.startsWith('node:') ||
    file.includes('/node_modules/') ||
    file.includes('\\node_modules\\') ||
    !/^(?:\/|[A-Za-z]:[\\/]|\\\\)/.test(file)
  );
}
