/**
 * `profile()`: the middleware that CPU-profiles requests, saves each profile and shows its top
 * functions in HTML pages.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../../core/context.ts';
import type { Handler, Middleware } from '../../core/handler.ts';
import { trustCheck } from '../../forwarded/trust.ts';
import { insertIntoHtml, readHtmlResponse, withHtmlBody } from '../html.ts';
import { resolveProfileOptions, type ProfileOptions } from './options.ts';
import { startProfile, type CpuProfile } from './profiler.ts';
import { renderProfile } from './render.ts';
import { summarizeProfile } from './summary.ts';

const isLoopback = trustCheck(['loopback']);

/** The id of an element a page can hold to get the tables in that place. */
const PLACE_ID = 'trowel-profile';

let sequence = 0;

/**
 * CPU-profiles each request with V8's sampling profiler (`node:inspector`), writes the profile to a
 * `.cpuprofile` file that Chrome DevTools opens, and puts the top functions by self time and by
 * total time into `text/html` responses. A development tool: answers loopback clients only unless
 * `allowRemote`, and should not be in a production pipeline.
 *
 * The profile runs from the request until the response body has been read to its end (or
 * `maxDuration`), so work done while streaming is in it. Profiled requests run one at a time,
 * because V8 profiles the whole process; requests that are not profiled run as usual meanwhile and
 * appear in the profile.
 *
 * @throws {ConfigError} `TROWEL_ERR_PROFILE_OPTIONS` for a bad option.
 * @example
 * ```ts
 * import { profile } from 'trowel/debug/profile';
 * const app = profile({ limit: 20, when: (req) => new URL(req.url).searchParams.has('profile') })(
 *   () => new Response('<body>hi</body>', { headers: { 'content-type': 'text/html' } }),
 * );
 * ```
 */
export function profile(options: ProfileOptions = {}): Middleware {
  const settings = resolveProfileOptions(options);
  return (next: Handler): Handler =>
    async (request: Request, ctx: Context): Promise<Response> => {
      if (!settings.allowRemote && !isLoopback(ctx.remoteAddr)) return next(request, ctx);
      if (settings.when !== undefined && !settings.when(request, ctx)) return next(request, ctx);
      const run = await startProfile(settings.sampleInterval, settings.maxDuration, ctx.signal);
      if (run === undefined) return next(request, ctx);
      const path = ctx.scriptName + ctx.pathInfo;
      const file = join(settings.dir, fileName(request.method, path));
      // Saved however the run stops: by the response ending or at the `maxDuration` deadline.
      const saved = run.stopped.then(async (profile) => ({
        profile,
        saveError: await save(settings.dir, file, profile),
      }));
      saved.catch(() => undefined);
      const finish = async (): Promise<{ profile: CpuProfile; saveError: string | undefined }> => {
        await run.stop();
        return saved;
      };
      let response: Response;
      try {
        response = await next(request, ctx);
      } catch (error) {
        // The handler's error is the one to report; a profile that cannot be kept is secondary.
        await finish().catch(() => undefined);
        throw error;
      }
      const html = settings.append
        ? await readHtmlResponse(response, settings.htmlLimit)
        : undefined;
      if (html !== undefined) {
        const { profile, saveError } = await finish();
        const fragment = renderProfile(summarizeProfile(profile, settings.limit), {
          method: request.method,
          path,
          file: saveError === undefined ? file : undefined,
          saveError,
        });
        const page = withHtmlBody(
          response,
          insertIntoHtml(html, fragment, 'before-body-end', PLACE_ID),
        );
        if (settings.header) page.headers.set('x-profile-file', file);
        return page;
      }
      const headers = new Headers(response.headers);
      if (settings.header) headers.set('x-profile-file', file);
      const init = { status: response.status, statusText: response.statusText, headers };
      if (response.body === null) {
        await finish();
        return new Response(null, init);
      }
      const ended = (): void => {
        finish().catch((error: unknown) => {
          process.emitWarning(`profile(): ${String(error)}`, 'TrowelProfileWarning');
        });
      };
      return new Response(observeEnd(response.body, ended), init);
    };
}

/** `<time>-<pid>-<n>-<METHOD>-<path>.cpuprofile`: sortable, unique, and safe as one file name. */
function fileName(method: string, path: string): string {
  const stamp = new Date().toISOString().replaceAll(':', '');
  const slug = (text: string, max: number): string =>
    text
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, max) || 'root';
  sequence += 1;
  return `${stamp}-${String(process.pid)}-${String(sequence)}-${slug(method, 20)}-${slug(path, 80)}.cpuprofile`;
}

/** Writes the profile; answers why it could not, after a process warning saying so. */
async function save(dir: string, file: string, profile: CpuProfile): Promise<string | undefined> {
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(file, JSON.stringify(profile), { flag: 'wx' });
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.emitWarning(`profile(): could not save ${file}: ${reason}`, 'TrowelProfileWarning');
    return reason;
  }
}

/** The same bytes, with `onEnd` called once the stream ends, fails or is cancelled. */
function observeEnd(
  body: ReadableStream<Uint8Array>,
  onEnd: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            end();
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          end();
          controller.error(error);
        }
      },
      async cancel(reason) {
        end();
        await reader.cancel(reason);
      },
    },
    // No read-ahead: the app's stream is read only as fast as the client takes it.
    { highWaterMark: 0 },
  );
}
