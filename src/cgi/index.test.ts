import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { TestApp } from '../testing/index.ts';
import { fixture } from '../../test/cgi/helpers.ts';
import { cgi, MAX_LOCAL_REDIRECTS, type CgiError, type CgiOptions } from './index.ts';

interface Log {
  readonly errors: CgiError[];
  readonly stderr: string[];
}

/** A client for a CGI handler built from `options`, collecting its errors and stderr. */
function client(
  options: CgiOptions,
  extra: { scriptName?: string } = {},
): { app: TestApp; log: Log; handler: Handler } {
  const log: Log = { errors: [], stderr: [] };
  const handler = cgi({
    onError: (error) => log.errors.push(error),
    onStderr: (line) => log.stderr.push(line),
    ...options,
  });
  const app = new TestApp(handler, {
    extraContext: { scriptName: extra.scriptName ?? '/cgi', remoteAddr: '127.0.0.1' },
  });
  return { app, log, handler };
}

async function call(handler: Handler, url: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(url, init);
  return handler(request, new Context(request, { remoteAddr: '127.0.0.1' }));
}

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of fixture `name` in a scratch directory, to be changed or removed by the test. */
function copy(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'trowel-cgi-'));
  scratch.push(dir);
  const path = join(dir, name);
  copyFileSync(fixture(name), path);
  chmodSync(path, 0o755);
  return path;
}

describe('cgi() documents', () => {
  it('passes the Status line, the content type and other fields, and the body', async () => {
    const { app } = client({ script: fixture('ok.sh') });
    const res = await app.get('/cgi');
    expect([res.status, res.statusText]).toEqual([200, 'Okay']);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-script')).toBe('ok');
    expect(res.text).toBe('This is the body\n');
  });

  it('answers with the status the script chose', async () => {
    const { app } = client({ script: fixture('status.sh') });
    const res = await app.get('/cgi?404', { status: 404 });
    expect([res.status, res.statusText, res.text]).toEqual([404, 'Not Here', 'status 404\n']);
  });

  it('sends the fields and no body for HEAD, and lets the script finish', async () => {
    const { app, log } = client({ script: fixture('ok.sh') });
    const res = await app.head('/cgi');
    expect([res.status, res.headers.get('x-script'), res.body.byteLength]).toEqual([200, 'ok', 0]);
    expect(log.errors).toEqual([]);
  });

  it('sends no body with a 204', async () => {
    const { app } = client({ script: fixture('status.sh') });
    const res = await app.get('/cgi?204', { status: 204 });
    expect(res.body.byteLength).toBe(0);
  });

  it('hands standard error to onStderr line by line, invalid UTF-8 replaced', async () => {
    const { app, log } = client({ script: fixture('stderr.sh') });
    const res = await app.get('/cgi', { status: 500 });
    expect(res.text).toBe('error\n');
    await expect.poll(() => log.stderr.length).toBe(3);
    expect(log.stderr).toEqual(['first line', 'second \uFFFD line', 'no newline at the end']);
  });

  it('logs a failing exit after a complete answer, and still sends it', async () => {
    const { app, log } = client({ script: fixture('late-fail.sh') });
    expect((await app.get('/cgi')).text).toBe('done\n');
    await expect
      .poll(() => log.errors.map((e) => [e.code, e.status]))
      .toEqual([['TROWEL_ERR_CGI_EXIT', 0]]);
    expect(log.errors[0]?.message).toMatch(/exited with status 4 after its header block/);
  });

  it('fails the body stream when the script is killed halfway', async () => {
    const { handler, log } = client({ script: fixture('killed.sh') });
    const res = await call(handler, 'http://localhost/');
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow(/killed by SIGKILL/);
    expect(log.errors.map((e) => e.code)).toEqual(['TROWEL_ERR_CGI_EXIT']);
  });
});

describe('cgi() redirects (RFC 3875 §6.2)', () => {
  it('serves a local redirect in-process, as a GET without a body', async () => {
    const { app } = client({ script: fixture('redirect.sh') });
    const res = await app.post('/cgi/local', { params: 'ignored=1' });
    expect([res.status, res.text]).toEqual([200, 'target GET from=local none\n']);
  });

  it('sends a client redirect with 302', async () => {
    const { app } = client({ script: fixture('redirect.sh') });
    const res = await app.get('/cgi/client', { status: 302 });
    expect(res.headers.get('location')).toBe('https://example.org/elsewhere');
  });

  it('sends a path Location with a Status to the client as is', async () => {
    const { app } = client({ script: fixture('redirect.sh') });
    const res = await app.get('/cgi/relative', { status: 303 });
    expect(res.headers.get('location')).toBe('/somewhere');
  });

  it(`answers 502 after ${MAX_LOCAL_REDIRECTS} local redirects in a row`, async () => {
    const { app, log } = client({ script: fixture('redirect.sh') });
    await app.get('/cgi/loop', { status: 502 });
    expect(log.errors.map((e) => e.code)).toEqual(['TROWEL_ERR_CGI_REDIRECT']);
  });

  it('answers 502 for a local redirect outside its mount, with no localRedirect', async () => {
    const { app, log } = client({ script: fixture('redirect.sh') });
    await app.get('/cgi/outside', { status: 502 });
    expect(log.errors[0]?.message).toMatch(/outside \/cgi: give cgi\(\) a localRedirect/);
  });

  it('hands a local redirect to localRedirect, at the root of the path', async () => {
    const seen: string[] = [];
    const { app } = client({
      script: fixture('redirect.sh'),
      localRedirect: (request, ctx) => {
        seen.push(`${request.method} ${ctx.scriptName}|${ctx.pathInfo}`);
        return new Response('from the app');
      },
    });
    expect((await app.get('/cgi/outside')).text).toBe('from the app');
    expect(seen).toEqual(['GET |/elsewhere']);
  });
});

describe('cgi() failures', () => {
  it.each([
    ['malformed.sh', 'TROWEL_ERR_CGI_HEADER', /a header line without a colon/],
    ['big-head.sh', 'TROWEL_ERR_CGI_HEADER_TOO_LARGE', /larger than 65536 bytes/],
    ['no-blank.sh', 'TROWEL_ERR_CGI_HEADER', /inside the header block/],
    ['fail.sh', 'TROWEL_ERR_CGI_EXIT', /exited with status 3 before its header block/],
  ])('answers 502 to %s, logging %s', async (script, code, message) => {
    const { app, log } = client({ script: fixture(script) });
    const res = await app.get('/cgi', { status: 502 });
    expect(res.text).not.toContain(script);
    expect(log.errors.map((e) => [e.code, e.status])).toEqual([[code, 502]]);
    expect(log.errors[0]?.message).toMatch(message);
  });

  it('answers 502 to a script with no output at all', async () => {
    const { app, log } = client({ command: ['/bin/true'] });
    await app.get('/cgi', { status: 502 });
    expect(log.errors[0]?.message).toMatch(/produced no output/);
  });

  it('answers 502 to a Status that is not a status line', async () => {
    const { app, log } = client({ script: fixture('status.sh') });
    await app.get('/cgi?abc', { status: 502 });
    expect(log.errors[0]?.message).toMatch(/a Status that is not "NNN reason"/);
  });

  it('records the standard error of a failing script', async () => {
    const { app, log } = client({ script: fixture('fail.sh') });
    await app.get('/cgi', { status: 502 });
    expect(log.stderr).toEqual(['something went wrong']);
  });

  it('answers 500 without details when the script has gone since the handler was built', async () => {
    const path = copy('ok.sh');
    const { app, log } = client({ script: path });
    rmSync(path);
    const res = await app.get('/cgi', { status: 500 });
    expect(res.text).not.toContain(path);
    expect(log.errors.map((e) => e.code)).toEqual(['TROWEL_ERR_CGI_SPAWN']);
    expect(log.errors[0]?.message).toContain(path);
  });

  it('answers 500 when the script is no longer executable', async () => {
    const path = copy('ok.sh');
    const { app, log } = client({ script: path });
    chmodSync(path, 0o644);
    await app.get('/cgi', { status: 500 });
    expect(log.errors[0]?.message).toMatch(/EACCES/);
  });

  it('answers 500 when Node refuses to start the program', async () => {
    const { app, log } = client({
      script: fixture('ok.sh'),
      remoteUser: () => 'nul\0user',
    });
    await app.get('/cgi', { status: 500 });
    expect(log.errors.map((e) => e.code)).toEqual(['TROWEL_ERR_CGI_SPAWN']);
  });

  it('logs to console.error by default', async () => {
    const logged: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => logged.push(args.join(' '));
    try {
      const handler = cgi({ script: fixture('fail.sh') });
      await (await call(handler, 'http://localhost/')).text();
    } finally {
      console.error = original;
    }
    expect(logged).toEqual([
      expect.stringMatching(/fail\.sh: something went wrong$/),
      expect.stringMatching(/^trowel\/cgi: .*fail\.sh \(pid \d+\) exited with status 3/),
    ]);
  });

  it('rejects with the reason when the client is already gone', async () => {
    const { handler } = client({ script: fixture('ok.sh') });
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const request = new Request('http://localhost/');
    await expect(
      handler(request, new Context(request, { signal: controller.signal })),
    ).rejects.toThrow('gone');
  });
});

describe('cgi() request bodies and paths', () => {
  /** A body that sends `first`, then fails after `delay` ms. */
  function failing(first: string, delay = 0): ReadableStream<Uint8Array> {
    let sent = false;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (!sent) {
          sent = true;
          controller.enqueue(new TextEncoder().encode(first));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        controller.error(new Error('client went away'));
      },
    });
  }

  it('answers 413 to a chunked body over bufferChunkedBody, without running the script', async () => {
    const { app, log } = client({ script: fixture('env.py'), bufferChunkedBody: 4 });
    await app.post('/cgi', { params: 'more than four bytes', status: 413 });
    expect(log.errors).toEqual([]);
  });

  it.each([
    ['/cgi/a%2Fb', 404],
    ['/cgi/a%00', 404],
    ['/cgi/%FF', 400],
  ])('refuses %s with %i, without running the script', async (path, status) => {
    const { app, log } = client({ script: fixture('fail.sh') });
    await app.get(path, { status });
    expect([log.errors, log.stderr]).toEqual([[], []]);
  });

  it('rejects with the body error when the body fails before the header block', async () => {
    const { handler } = client({ script: fixture('env.py') });
    const init = { method: 'POST', body: failing('part'), duplex: 'half' } as RequestInit;
    await expect(call(handler, 'http://localhost/', init)).rejects.toThrow('client went away');
  });

  it('fails the response body when the request body fails after the header block', async () => {
    const { handler } = client({ script: fixture('echo.sh') });
    // Late enough for the script's header block to have arrived.
    const init = { method: 'POST', body: failing('part', 300), duplex: 'half' } as RequestInit;
    const res = await call(handler, 'http://localhost/', init);
    await expect(res.text()).rejects.toThrow('client went away');
  });
});
