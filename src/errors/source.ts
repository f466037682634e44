/**
 * Source for the error report: maps a built file's position back to the original source through
 * its source map, and reads the lines around a position.
 *
 * Source maps are found with `node:module`'s `findSourceMap()` when Node loaded them
 * (`--enable-source-maps`; V8 positions are then already mapped and nothing is done twice), and
 * otherwise through the file's own `//# sourceMappingURL=` comment (a `.map` file beside it or a
 * `data:` URL), parsed with `node:module`'s `SourceMap`. A map's `sourcesContent` is used when it
 * has the original text, so the report shows TypeScript lines even where only `dist/` is deployed.
 *
 * Only script files are read (`.js`, `.mjs`, `.cjs`, `.jsx`, `.ts`, `.mts`, `.cts`, `.tsx`, and
 * `.map` beside them), at most 2 MiB each, so a stack line cannot make a report quote `.env` or
 * `/etc/shadow`. Texts and maps are cached per file (200 files) and re-read when the file's size or
 * modification time changes.
 */
import { readFile, stat } from 'node:fs/promises';
import { findSourceMap, SourceMap, type SourceMapPayload, type SourceOrigin } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Lines around one position of a file. */
export interface SourceExcerpt {
  /** The number of `lines[0]`. */
  readonly firstLine: number;
  /** The lines, without their line terminators (long ones cut at 500 characters). */
  readonly lines: readonly string[];
  /** The line the frame points at. */
  readonly line: number;
  /** The column the frame points at (1-based), if known. */
  readonly column: number | undefined;
}

/** Where a position of a built file came from. */
export interface MappedPosition {
  readonly file: string;
  readonly line: number;
  readonly column: number | undefined;
  /** The original text, when the source map carries it. */
  readonly content: string | undefined;
}

const SCRIPT = /\.(?:[cm]?[jt]sx?|map)$/i;
const MAX_BYTES = 2 * 1024 * 1024;
const MAX_FILES = 200;
const MAX_LINE = 500;

interface Cached<T> {
  readonly key: string;
  readonly value: Promise<T>;
}

/** A bounded map whose oldest entry goes first. */
function remember<T>(cache: Map<string, Cached<T>>, file: string, entry: Cached<T>): void {
  cache.delete(file);
  cache.set(file, entry);
  if (cache.size > MAX_FILES) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
}

const texts = new Map<string, Cached<string | undefined>>();
/** A parsed source map and the file its relative `sources` are resolved against. */
interface LoadedMap {
  readonly map: SourceMap;
  readonly base: string;
}

const maps = new Map<string, Cached<LoadedMap | undefined>>();

async function versionOf(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file);
    if (!info.isFile() || info.size > MAX_BYTES) return undefined;
    return `${String(info.size)}:${String(info.mtimeMs)}`;
  } catch {
    return undefined;
  }
}

async function cachedFor<T>(
  cache: Map<string, Cached<T | undefined>>,
  file: string,
  load: () => Promise<T | undefined>,
): Promise<T | undefined> {
  if (!SCRIPT.test(file)) return undefined;
  const key = await versionOf(file);
  if (key === undefined) return undefined;
  const hit = cache.get(file);
  if (hit?.key === key) return hit.value;
  const value = load().catch(() => undefined);
  remember(cache, file, { key, value });
  return value;
}

/** The text of a script file, or `undefined` when it is not one or cannot be read. */
export function readSource(file: string): Promise<string | undefined> {
  return cachedFor(texts, file, () => readFile(file, 'utf8'));
}

/** The lines `context` before and after `line` in `text`. */
export function excerpt(
  text: string,
  line: number,
  column: number | undefined,
  context: number,
): SourceExcerpt | undefined {
  const all = text.split(/\r\n|\r|\n/);
  if (line < 1 || line > all.length) return undefined;
  const firstLine = Math.max(1, line - context);
  const lastLine = Math.min(all.length, line + context);
  const lines = all
    .slice(firstLine - 1, lastLine)
    .map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l));
  return { firstLine, lines, line, column };
}

const ABSOLUTE = /^[a-z][a-z\d+.-]*:/i;
const MAPPING_URL = /\/[/*][#@]\s*sourceMappingURL=([^\s'"*]+)\s*(?:\*\/)?\s*$/;

async function loadMap(file: string): Promise<LoadedMap | undefined> {
  const text = await readSource(file);
  if (text === undefined) return undefined;
  // The comment must be on one of the last lines, as bundlers and tsc put it.
  const tail = text.slice(-4096).trimEnd().split('\n').slice(-3);
  let url: string | undefined;
  for (const line of tail) url = MAPPING_URL.exec(line)?.[1] ?? url;
  if (url === undefined) return undefined;
  let payload: unknown;
  let base = file;
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    const meta = url.slice(5, comma);
    const data = url.slice(comma + 1);
    payload = JSON.parse(
      meta.endsWith(';base64')
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeURIComponent(data),
    );
  } else {
    const mapFile = resolve(dirname(file), decodeURIComponent(url.split(/[?#]/)[0] ?? ''));
    if (!mapFile.endsWith('.map')) return undefined;
    const mapText = await readSource(mapFile);
    if (mapText === undefined) return undefined;
    payload = JSON.parse(mapText);
    base = mapFile;
  }
  return { map: new SourceMap(payload as SourceMapPayload), base };
}

function sourceMapFor(file: string): Promise<LoadedMap | undefined> {
  let loaded: SourceMap | undefined;
  try {
    loaded = findSourceMap(file);
  } catch {
    loaded = undefined;
  }
  if (loaded !== undefined) return Promise.resolve({ map: loaded, base: file });
  return cachedFor(maps, file, () => loadMap(file));
}

/**
 * Maps a position in `file` back through the file's source map; `undefined` when it has none or
 * the position is not covered.
 */
export async function mapPosition(
  file: string,
  line: number,
  column: number | undefined,
): Promise<MappedPosition | undefined> {
  const loaded = await sourceMapFor(file);
  if (loaded === undefined) return undefined;
  const { map, base } = loaded;
  let origin: SourceOrigin;
  try {
    const found = map.findOrigin(line, column ?? 1);
    if (!('fileName' in found)) return undefined;
    origin = found;
  } catch {
    return undefined;
  }
  const { payload } = map;
  const index = payload.sources.indexOf(origin.fileName);
  // `sourcesContent` is optional in the format, whatever the typings say.
  const contents: unknown = payload.sourcesContent;
  const content = index >= 0 && Array.isArray(contents) ? (contents[index] as unknown) : undefined;
  let original: string;
  try {
    // A map Node loaded has absolute `sources`; a map read here has them relative to the map,
    // after `sourceRoot` (which the spec allows to be absent, whatever the typings say).
    const rootValue: unknown = payload.sourceRoot;
    const root =
      typeof rootValue === 'string' && rootValue !== '' && !ABSOLUTE.test(origin.fileName)
        ? rootValue.replace(/\/?$/, '/')
        : '';
    const url = new URL(root + origin.fileName, pathToFileURL(base));
    original = url.protocol === 'file:' ? fileURLToPath(url) : url.href;
  } catch {
    original = origin.fileName;
  }
  return {
    file: original,
    line: origin.lineNumber,
    column: origin.columnNumber,
    content: typeof content === 'string' ? content : undefined,
  };
}

/** Forgets every cached text and source map (for tests, and after files were rebuilt in place). */
export function clearSourceCache(): void {
  texts.clear();
  maps.clear();
}
