/**
 * Filling the cache from an origin answer: decide whether the answer is stored, start the entry,
 * and stream the body to the client and to disk at once (see `tee.ts`); and the other side of a
 * single flight, a request that waits for another's entry.
 *
 * The origin is asked unconditionally on a miss (`If-None-Match`, `If-Modified-Since`, `Range`
 * and `If-Range` dropped), so that what comes back can be stored; the client's own validators are
 * then checked against the origin's answer here, and a match is answered 304 while the entry is
 * written at the disk's pace. A range asked for on a miss is answered with the whole body (a
 * server may always ignore `Range`, RFC 9110 §14.2); the next request is a hit, with ranges.
 */
import type { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { cacheStatus, answerFromEntry, notModified, tagged } from './answer.ts';
import { waitFor, type Flight } from './flight.ts';
import type { EntryPaths } from './layout.ts';
import type { DiskStore, StoredEntry } from './store.ts';
import { drain, teeToDisk } from './tee.ts';
import type { CommitDetails } from './writer.ts';

/** What a policy makes of an origin answer: the details to store, or why it is not stored. */
export type Decide = (response: Response) => CommitDetails | string;

/** What filling needs from the cache. */
export interface FillSetting {
  readonly store: DiskStore;
  readonly maxSize: number | undefined;
}

function contentLength(headers: Headers): number | undefined {
  const value = headers.get('content-length');
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * The origin's answer as is, tagged; when the cache had dropped the client's validators and they
 * match, a 304 instead (the origin's body is then cancelled).
 */
export function forward(
  request: Request,
  response: Response,
  status: string,
  dropped: boolean,
): Response {
  const shortcut = dropped && response.status === 200 ? notModified(request, response) : undefined;
  if (shortcut === undefined) return tagged(response, status);
  response.body?.cancel().catch(() => undefined);
  return tagged(shortcut, status);
}

/**
 * Stores the origin's `response` to `request` at `paths` when `decide` says so, and answers the
 * client; settles `flight` with the outcome. `params` are the `Cache-Status` parameters before
 * `stored` / `detail`.
 */
export async function storeAndAnswer(
  setting: FillSetting,
  request: Request,
  response: Response,
  paths: EntryPaths,
  flight: Flight,
  decide: Decide,
  params: readonly string[],
  dropped: boolean,
): Promise<Response> {
  const decision = decide(response);
  if (typeof decision === 'string') {
    flight.settle(false);
    return forward(request, response, cacheStatus(...params, `detail=${decision}`), dropped);
  }
  const writer = await setting.store.start(paths);
  if (writer === undefined) {
    flight.settle(false);
    return forward(request, response, cacheStatus(...params, 'detail=unwritable'), dropped);
  }
  flight.writer = writer;
  const status = cacheStatus(...params, 'stored');
  const commit = (w: typeof writer): Promise<boolean> => setting.store.commit(w, decision);
  const shortcut = dropped ? notModified(request, response) : undefined;
  if (response.body === null) {
    flight.settle(await commit(writer));
    return tagged(shortcut ?? response, status);
  }
  const body = teeToDisk(response.body, writer, {
    expectedLength: contentLength(response.headers),
    maxBytes: setting.maxSize ?? Infinity,
    commit,
    settled: (stored) => {
      flight.settle(stored);
    },
    report: (error) => {
      setting.store.report(error);
    },
  });
  if (shortcut !== undefined) {
    void drain(body);
    return tagged(shortcut, status);
  }
  return tagged(
    new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: new Headers(response.headers),
    }),
    status,
  );
}

/**
 * A request that found `flight` in progress for its key: once it settles, answered from the
 * stored entry when there is one that `usable` accepts (`fwd=<label>; collapsed`), else sent to
 * the origin itself, storing nothing.
 */
export async function follow(
  store: DiskStore,
  request: Request,
  ctx: Context,
  next: Handler,
  paths: EntryPaths,
  flight: Flight,
  label: string,
  usable: (entry: StoredEntry) => boolean,
): Promise<Response> {
  if (await waitFor(flight.done, ctx.signal)) {
    const entry = await store.lookup(paths);
    if (entry !== undefined) {
      if (usable(entry))
        return answerFromEntry(request, entry, cacheStatus(`fwd=${label}`, 'collapsed'));
      entry.file.close();
    }
  }
  return tagged(await next(request, ctx), cacheStatus(`fwd=${label}`));
}
