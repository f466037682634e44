/**
 * The messages a reloader's primary and its workers exchange over the cluster IPC channel, and the
 * environment variables a worker is started with. Internal to `trowel/reloader`.
 *
 * A worker tells the primary which files it read (`files`, as it reads them, with the modification
 * time each had then), that it serves (`ready`), and, once it has closed its listening socket when
 * stopping, asks to be let go (`closing`); the primary answers `closed` after it has processed the
 * socket's removal, so a connection handed to the worker before that is answered (and handed
 * elsewhere) while the worker is still there to answer.
 */

/** Set in a worker's environment: the generation it belongs to (1, 2, …). */
export const GENERATION_ENV = 'TROWEL_RELOADER_GENERATION';
/** Set in a worker's environment: its slot in the generation (0 to workers − 1). */
export const SLOT_ENV = 'TROWEL_RELOADER_SLOT';

/** A file a worker read, with its modification time then (`undefined` when it did not exist). */
export interface ReadFile {
  readonly path: string;
  readonly mtime?: number;
}

/** What a worker sends its primary. */
export type WorkerMessage =
  | { readonly trowel: 'reloader-files'; readonly files: readonly ReadFile[] }
  | { readonly trowel: 'reloader-ready'; readonly url: string }
  | { readonly trowel: 'reloader-closing' };

/** What the primary sends a worker. */
export interface ClosedMessage {
  readonly trowel: 'reloader-closed';
}

function isReadFile(value: unknown): value is ReadFile {
  if (typeof value !== 'object' || value === null) return false;
  const { path, mtime } = value as { path?: unknown; mtime?: unknown };
  return typeof path === 'string' && (mtime === undefined || typeof mtime === 'number');
}

function tagged(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const tag = (value as { trowel?: unknown }).trowel;
  return typeof tag === 'string' ? tag : undefined;
}

/** True for a message a reloader worker sends. */
export function isWorkerMessage(value: unknown): value is WorkerMessage {
  switch (tagged(value)) {
    case 'reloader-files': {
      const files = (value as { files?: unknown }).files;
      return Array.isArray(files) && files.every(isReadFile);
    }
    case 'reloader-ready':
      return typeof (value as { url?: unknown }).url === 'string';
    case 'reloader-closing':
      return true;
    default:
      return false;
  }
}

/** True for the primary's answer to `closing`. */
export function isClosedMessage(value: unknown): value is ClosedMessage {
  return tagged(value) === 'reloader-closed';
}
