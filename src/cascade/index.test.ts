import { describe, expect, it } from 'vitest';
import { Context, createKey } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { Forbidden, NotFound, httpErrors } from '../core/http-error.ts';
import { serve } from '../server/index.ts';
import { TestApp } from '../testing/index.ts';
import { cascade } from './index.ts';

const text = (body: string, status = 200): Response =>
  new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });

/** An application that records that it ran and answers `status`. */
function answering(name: string, status: number, ran: string[]): Handler {
  return () => {
    ran.push(name);
    return text(name, status);
  };
}

/** An application that reads the whole request body and answers it, with `status`. */
function echoing(name: string, status: number, seen: string[]): Handler {
  return async (request) => {
    const body = await request.text();
    seen.push(`${name}:${body}`);
    return text(`${name}:${body}`, status);
  };
}

/** A request body streamed in `parts`, so that no length is known. */
function streamOf(parts: readonly string[]): ReadableStream<Uint8Array> {
  const queue = [...parts];
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = queue.shift();
      if (part === undefined) controller.close();
      else controller.enqueue(new TextEncoder().encode(part));
    },
  });
}

function post(body: BodyInit, url = 'http://localhost/form'): Request {
  return new Request(url, { method: 'POST', body, duplex: 'half' } as RequestInit);
}

describe('cascade()', () => {
  it('answers with the first application whose status is not caught', async () => {
    const ran: string[] = [];
    const app = new TestApp(
      cascade([answering('a', 404, ran), answering('b', 200, ran), answering('c', 200, ran)]),
    );
    const res = await app.get('/');
    expect([res.status, res.text, ran]).toEqual([200, 'b', ['a', 'b']]);
  });

  it('returns the last answer whatever its status', async () => {
    const ran: string[] = [];
    const app = new TestApp(cascade([answering('a', 404, ran), answering('b', 404, ran)]));
    const res = await app.get('/', { status: 404 });
    expect([res.text, ran]).toEqual(['b', ['a', 'b']]);
  });

  it('passes an uncaught error status straight through', async () => {
    const ran: string[] = [];
    const app = new TestApp(cascade([answering('a', 500, ran), answering('b', 200, ran)]));
    const res = await app.get('/', { status: 500 });
    expect([res.text, ran]).toEqual(['a', ['a']]);
  });

  it.each([
    [[404, 403], 403, 'b'],
    [[404, 403], 404, 'b'],
    [[404], 403, 'a'],
    [[405], 405, 'b'],
  ])('with catch %j, a first answer of %i gives %s', async (statuses, status, winner) => {
    const ran: string[] = [];
    const app = new TestApp(
      cascade([answering('a', status, ran), answering('b', 200, ran)], { catch: statuses }),
    );
    expect((await app.get('/', { status: '*' })).text).toBe(winner);
  });

  it('passes over an application that throws an HTTP error with a caught status', async () => {
    const app = new TestApp(
      cascade(
        [
          () => {
            throw new NotFound();
          },
          () => text('b'),
        ],
        { catch: [404] },
      ),
    );
    expect((await app.get('/')).text).toBe('b');
  });

  it('lets an HTTP error with another status propagate', async () => {
    const second: string[] = [];
    const app = new TestApp(
      httpErrors()(
        cascade([
          () => {
            throw new Forbidden();
          },
          answering('b', 200, second),
        ]),
      ),
    );
    await app.get('/', { status: 403 });
    expect(second).toEqual([]);
  });

  it('lets any error of the last application propagate', async () => {
    const app = cascade([
      () => text('', 404),
      () => {
        throw new NotFound('last');
      },
    ]);
    const request = new Request('http://localhost/');
    await expect(app(request, new Context(request))).rejects.toThrow(/last/);
  });

  it("cancels a discarded answer's body, so its producer can release what it holds", async () => {
    let cancelled: unknown;
    const app = new TestApp(
      cascade([
        () =>
          new Response(
            new ReadableStream({
              pull(controller) {
                controller.enqueue(new TextEncoder().encode('never read'));
              },
              cancel(reason) {
                cancelled = reason ?? 'cancelled';
              },
            }),
            { status: 404 },
          ),
        () => text('b'),
      ]),
    );
    expect((await app.get('/')).text).toBe('b');
    expect(cancelled).toBeDefined();
  });

  it('gives each application its own context, so values set by one stay with it', async () => {
    const KEY = createKey<string>('test.cascade');
    const app = new TestApp(
      cascade([
        (_request, ctx) => {
          ctx.set(KEY, 'first');
          return text('', 404);
        },
        (_request, ctx) => text(ctx.get(KEY) ?? 'unset'),
      ]),
    );
    expect((await app.get('/')).text).toBe('unset');
  });

  it('returns a single application as it is', () => {
    const only: Handler = () => text('only');
    expect(cascade([only])).toBe(only);
  });

  it('stops when the client has gone, without calling the next application', async () => {
    const ran: string[] = [];
    const controller = new AbortController();
    const app = cascade([
      () => {
        controller.abort();
        return text('a', 404);
      },
      answering('b', 200, ran),
    ]);
    const request = new Request('http://localhost/');
    const res = await app(request, new Context(request, { signal: controller.signal }));
    expect([res.status, ran]).toEqual([404, []]);
    await res.body?.cancel();
  });
});

describe('cascade() and request bodies', () => {
  it('replays a body the first application read to the second', async () => {
    const seen: string[] = [];
    const app = new TestApp(cascade([echoing('a', 404, seen), echoing('b', 200, seen)]));
    const res = await app.post('/form', { params: 'name=ada' });
    expect([res.text, seen]).toEqual(['b:name=ada', ['a:name=ada', 'b:name=ada']]);
  });

  it('replays a half-read body in full', async () => {
    const seen: string[] = [];
    const app = cascade(
      [
        async (request) => {
          const reader = (request.body as ReadableStream<Uint8Array>).getReader();
          await reader.read();
          return text('', 404);
        },
        echoing('b', 200, seen),
      ],
      { bodyLimit: 100 },
    );
    const request = post(streamOf(['one,', 'two,', 'three']));
    const res = await app(request, new Context(request));
    expect(await res.text()).toBe('b:one,two,three');
  });

  it('streams the body to the application that wins when the others never read it', async () => {
    const seen: string[] = [];
    // A limit of 0 would refuse any replay: the body passes because nobody had to replay it.
    const app = cascade([answering('a', 404, []), echoing('b', 200, seen)], { bodyLimit: 0 });
    const request = post(streamOf(['x'.repeat(1000), 'y'.repeat(1000)]));
    const res = await app(request, new Context(request));
    expect((await res.text()).length).toBe(2002);
  });

  it('answers 413 when a discarded application read more than the replay limit', async () => {
    const ran: string[] = [];
    const app = new TestApp(
      cascade([echoing('a', 404, []), answering('b', 200, ran)], { bodyLimit: 10 }),
    );
    const res = await app.post('/form', { params: 'x'.repeat(11), status: 413 });
    expect(res.text).toMatch(/larger than the 10 bytes/);
    expect(ran).toEqual([]);
  });

  it('lets an application read past the limit when its answer wins', async () => {
    const app = new TestApp(
      cascade([echoing('a', 200, []), answering('b', 200, [])], { bodyLimit: 10 }),
    );
    expect((await app.post('/form', { params: 'x'.repeat(100) })).text).toBe(
      `a:${'x'.repeat(100)}`,
    );
  });

  it('ends the body of a discarded application that is still reading', async () => {
    let late: unknown;
    const app = cascade([
      (request) => {
        // Reads in the background, after answering.
        void request.text().catch((error: unknown) => {
          late = error;
        });
        return text('', 404);
      },
      echoing('b', 200, []),
    ]);
    const request = post(streamOf(['abc', 'def']));
    const res = await app(request, new Context(request));
    expect(await res.text()).toBe('b:abcdef');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(String(late)).toMatch(/discarded/);
  });

  it('passes a broken request body on as an error to the application reading it', async () => {
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('connection reset'));
      },
    });
    const app = cascade([echoing('a', 404, []), echoing('b', 200, [])]);
    const request = post(broken);
    await expect(app(request, new Context(request))).rejects.toThrow(/connection reset/);
  });

  it.each([
    [
      'the last application cancels a replayed body',
      [
        async (request: Request) => {
          await request.body?.getReader().read();
          return text('', 404);
        },
        async (request: Request) => {
          await request.body?.cancel();
          return text('b');
        },
      ],
    ],
    [
      'the winning application cancels its body',
      [
        async (request: Request) => {
          await request.body?.cancel();
          return text('a');
        },
        echoing('b', 200, []),
      ],
    ],
  ])("cancels the client's body when %s", async (_name, apps) => {
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('part'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const request = post(source);
    const res = await cascade(apps)(request, new Context(request));
    await res.text();
    expect(cancelled).toBe(true);
  });

  it("cancels the client's body when an application throws", async () => {
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      cancel() {
        cancelled = true;
      },
    });
    const app = cascade([
      () => {
        throw new Error('boom');
      },
      echoing('b', 200, []),
    ]);
    const request = post(source);
    await expect(app(request, new Context(request))).rejects.toThrow('boom');
    expect(cancelled).toBe(true);
  });

  it('replays a streamed POST over a real socket to the second application', async () => {
    const seen: string[] = [];
    const server = await serve(cascade([echoing('a', 404, seen), echoing('b', 201, seen)]), {
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const res = await fetch(`${server.url}/upload`, {
        method: 'POST',
        body: streamOf(['chunk-1;', 'chunk-2;', 'chunk-3']),
        duplex: 'half',
      } as RequestInit);
      expect([res.status, await res.text()]).toEqual([201, 'b:chunk-1;chunk-2;chunk-3']);
      expect(seen).toEqual(['a:chunk-1;chunk-2;chunk-3', 'b:chunk-1;chunk-2;chunk-3']);
    } finally {
      await server.close();
    }
  });

  it('answers 413 over a real socket when the replay limit is exceeded', async () => {
    const server = await serve(
      cascade([echoing('a', 404, []), echoing('b', 200, [])], { bodyLimit: 1024 }),
      { port: 0, host: '127.0.0.1' },
    );
    try {
      const res = await fetch(`${server.url}/upload`, {
        method: 'POST',
        body: streamOf(['z'.repeat(1000), 'z'.repeat(1000)]),
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      await res.body?.cancel();
    } finally {
      await server.close();
    }
  });
});

describe('cascade() options', () => {
  it.each([
    ['an empty list', [], {}, 'TROWEL_ERR_CASCADE_APPS'],
    ['a non-function', ['nope'], {}, 'TROWEL_ERR_CASCADE_APPS'],
    ['not a list', 'nope', {}, 'TROWEL_ERR_CASCADE_APPS'],
    ['a status of 99', [() => text('')], { catch: [99] }, 'TROWEL_ERR_CASCADE_CATCH'],
    ['a fractional status', [() => text('')], { catch: [404.5] }, 'TROWEL_ERR_CASCADE_CATCH'],
    ['catch not a list', [() => text('')], { catch: 404 }, 'TROWEL_ERR_CASCADE_CATCH'],
    ['a negative limit', [() => text('')], { bodyLimit: -1 }, 'TROWEL_ERR_CASCADE_BODY_LIMIT'],
    [
      'an infinite limit',
      [() => text('')],
      { bodyLimit: Infinity },
      'TROWEL_ERR_CASCADE_BODY_LIMIT',
    ],
  ])('refuses %s when built', (_name, apps, options, code) => {
    expect(() => cascade(apps as never, options as never)).toThrow(
      expect.objectContaining({ code }),
    );
  });
});
