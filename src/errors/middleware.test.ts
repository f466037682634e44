import { afterEach, describe, expect, it, vi } from 'vitest';
import { Context } from '../core/context.ts';
import { compose, type Handler } from '../core/handler.ts';
import { NotFound, httpErrors } from '../core/http-error.ts';
import { TestApp } from '../testing/index.ts';
import { errors, isLoopback, type ErrorReport, type ErrorsOptions } from './index.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** errors() around `app`, with the reports it logs collected. */
function setup(
  app: Handler,
  options: ErrorsOptions = {},
  remoteAddr = '127.0.0.1',
): { client: TestApp; reports: ErrorReport[]; logged: Promise<ErrorReport> } {
  const reports: ErrorReport[] = [];
  let done: (report: ErrorReport) => void = () => undefined;
  const logged = new Promise<ErrorReport>((resolve) => (done = resolve));
  const handler = errors({
    log: (report) => {
      reports.push(report);
      done(report);
    },
    ...options,
  })(app);
  return { client: new TestApp(handler, { extraContext: { remoteAddr } }), reports, logged };
}

const boom: Handler = () => {
  throw new TypeError('the widget is broken');
};

describe('errors() before the response', () => {
  it('answers the production page with the code and no detail when debug is off', async () => {
    const { client, logged } = setup(boom);
    const res = await client.get('/', { status: 500, headers: { accept: BROWSER } });
    const report = await logged;
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.html('h1').text()).toBe('Internal Server Error');
    expect(res.html('.code code').text()).toBe(report.identificationCode);
    expect(res.text).not.toContain('widget');
    expect(res.text).not.toContain('middleware.test.ts');
  });

  it('shows the debug page with the frame that threw to a loopback client', async () => {
    const { client } = setup(boom, { debug: true });
    const res = await client.get('/', { status: 500, headers: { accept: BROWSER } });
    expect(res.html('h1').text()).toBe('TypeError');
    expect(res.html('.message').first().text()).toBe('the widget is broken');
    const top = res.html('.frame').first();
    expect(top.find('.file').text()).toMatch(/middleware\.test\.ts:\d+:\d+$/);
    expect(top.find('.here').text()).toContain("throw new TypeError('the widget is broken')");
  });

  it('gives a remote client the production page even with debug on', async () => {
    const { client } = setup(boom, { debug: true }, '203.0.113.9');
    const res = await client.get('/', { status: 500, headers: { accept: BROWSER } });
    expect(res.html('h1').text()).toBe('Internal Server Error');
    expect(res.text).not.toContain('widget');
  });

  it('uses the configured production message, escaped', async () => {
    const { client } = setup(boom, { errorMessage: 'Sorry <b>folks</b>' });
    const res = await client.get('/', { status: 500, headers: { accept: BROWSER } });
    expect(res.text).toContain('Sorry &lt;b&gt;folks&lt;/b&gt;');
  });

  it('answers plain text to a client that does not ask for HTML', async () => {
    const { client } = setup(boom, { debug: true });
    const res = await client.get('/', { status: 500, headers: { accept: '*/*' } });
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.text).toMatch(/^Error E-[2-9A-Z]{5} at /);
    expect(res.text).toContain('TypeError: the widget is broken');
    expect(res.text).toMatch(/ {4}at .*middleware\.test\.ts:\d+:\d+/);
  });

  it('answers the production text to curl when debug is off', async () => {
    const { client } = setup(boom);
    const res = await client.get('/', { status: 500, headers: { accept: '*/*' } });
    expect(res.text).toMatch(/^Internal Server Error\n\nAn error occurred\. .*\nError code: E-/);
  });

  it('answers plain text to a browser with format text', async () => {
    const { client } = setup(boom, { debug: true, format: 'text' });
    const res = await client.get('/', { status: 500, headers: { accept: BROWSER } });
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.text).toContain('TypeError: the widget is broken');
  });

  it('lays the cgitb page out oldest call first', async () => {
    const { client } = setup(boom, { debug: true, format: 'cgitb' });
    const res = await client.get('/', { status: 500, headers: { accept: BROWSER } });
    expect(res.html('.banner h1').text()).toBe('TypeError');
    const files = res
      .html('.frame:not(.library) .file')
      .map((_i, el) => res.html(el).text())
      .get();
    expect(files.at(-1)).toMatch(/middleware\.test\.ts/);
    // cgitb's default context is ten lines either side.
    expect(res.html('.frame:not(.library)').last().find('pre.source > span').length).toBe(22);
  });

  it('forbids scripts and caching on the error page', async () => {
    const { client } = setup(boom, { debug: true });
    const res = await client.get('/', { status: 500, headers: { accept: BROWSER } });
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.html('script').length).toBe(0);
  });

  it('escapes markup in the message, the URL and the header fields', async () => {
    const { client } = setup(
      () => {
        throw new Error('<script>alert(1)</script>');
      },
      { debug: true },
    );
    const res = await client.get('/x?r="><img src=x onerror=alert(2)>', {
      status: 500,
      headers: { accept: BROWSER, 'user-agent': '"><svg onload=alert(3)>' },
    });
    expect(res.text).not.toMatch(/<script>|<img|<svg/);
    expect(res.html('.message').first().text()).toBe('<script>alert(1)</script>');
    expect(res.html('.request td').text()).toContain('"><svg onload=alert(3)>');
    expect(res.html('.request p code').text()).toContain('%3Cimg');
  });

  it('masks secret header fields, query parameters and error properties', async () => {
    // Built at run time: the page quotes this file's source, where a literal would show.
    const secret = (name: string): string => ['s3', name, '!'].join('-');
    const error = Object.assign(new Error('login failed'), {
      code: 'E_LOGIN',
      password: secret('password'),
      options: { apiKey: secret('key'), user: 'ann' },
    });
    const { client, logged } = setup(
      () => {
        throw error;
      },
      { debug: true, redact: ['x-tenant'] },
    );
    const res = await client.get(`/login?token=${secret('token')}&page=2`, {
      status: 500,
      headers: {
        accept: BROWSER,
        authorization: `Bearer ${secret('bearer')}`,
        cookie: `sid=${secret('sid')}`,
        'x-tenant': secret('tenant'),
      },
    });
    const report = await logged;
    expect(res.text).not.toContain('s3-');
    expect(JSON.stringify(report)).not.toContain('s3-');
    expect(report.request?.url).toBe('http://localhost/login?token=[redacted]&page=2');
    expect(report.errors[0]?.properties).toContainEqual(['code', '"E_LOGIN"']);
    expect(res.html('.properties').text()).toContain("user: 'ann'");
  });

  it('reports the cause chain', async () => {
    const { client, logged } = setup(() => {
      throw new Error('saving failed', { cause: new RangeError('disk full') });
    });
    await client.get('/', { status: 500 });
    const report = await logged;
    expect(report.errors.map((entry) => [entry.relation, entry.name, entry.message])).toEqual([
      ['thrown', 'Error', 'saving failed'],
      ['cause', 'RangeError', 'disk full'],
    ]);
  });

  it('reports a thrown value that is not an Error', async () => {
    const { client, logged } = setup(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- what is being tested
      throw { reason: 'nope', secret: 's' };
    });
    await client.get('/', { status: 500 });
    const report = await logged;
    expect(report.errors[0]?.name).toBe('Non-error value (object)');
    expect(report.errors[0]?.message).toBe("{ reason: 'nope', secret: '[redacted]' }");
  });

  it('answers 500 when the handler returns something other than a Response', async () => {
    const { client, logged } = setup((() => 'hello') as unknown as Handler);
    await client.get('/', { status: 500 });
    expect((await logged).errors[0]?.message).toBe('the handler returned string, not a Response');
  });

  it('records the request and the context', async () => {
    const { client, logged } = setup(boom);
    await client.post('/orders', { status: 500, params: { qty: '2' } });
    const report = await logged;
    expect(report.request?.method).toBe('POST');
    expect(report.context).toMatchObject({ pathInfo: '/orders', remoteAddr: '127.0.0.1' });
    expect(report.phase).toBe('handler');
  });

  it('gives the same code to the page and the report', async () => {
    const { client, logged } = setup(boom);
    const res = await client.get('/', { status: 500 });
    expect(res.text).toContain(`Error code: ${(await logged).identificationCode}`);
  });

  it('writes the text report to stderr when no log is given', async () => {
    const written = new Promise<string>((resolve) => {
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
        resolve(String(chunk));
        return true;
      });
    });
    const client = new TestApp(errors()(boom));
    await client.get('/', { status: 500 });
    expect(await written).toMatch(/^Error E-\w{5} at .*\n\nTypeError: the widget is broken\n/);
  });

  it('answers the page even when a log function throws', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const client = new TestApp(
      errors({
        log: () => {
          throw new Error('disk gone');
        },
      })(boom),
    );
    const res = await client.get('/', { status: 500 });
    expect(res.status).toBe(500);
    await vi.waitFor(() => {
      expect(stderr).toHaveBeenCalledWith(
        expect.stringMatching(/a log function failed.*disk gone/),
      );
    });
  });
});

describe('errors() when the client has gone', () => {
  it('passes on an AbortError thrown after the client went away, unreported', async () => {
    const reports: ErrorReport[] = [];
    const controller = new AbortController();
    const handler = errors({ log: (report) => void reports.push(report) })(() => {
      controller.abort();
      throw new DOMException('the upstream request was aborted', 'AbortError');
    });
    const request = new Request('http://localhost/');
    const ctx = new Context(request, { signal: controller.signal });
    await expect(handler(request, ctx)).rejects.toMatchObject({ name: 'AbortError' });
    expect(reports).toEqual([]);
  });

  it('reports an error that has nothing to do with the client leaving', async () => {
    const { client, logged } = setup(boom);
    await client.get('/', { status: 500, extraContext: { signal: AbortSignal.abort() } });
    expect((await logged).errors[0]?.name).toBe('TypeError');
  });
});

describe('errors() and HttpError', () => {
  it('lets an HttpError through unreported', async () => {
    const reports: ErrorReport[] = [];
    const handler = errors({ log: (report) => void reports.push(report) })(() => {
      throw new NotFound();
    });
    const request = new Request('http://localhost/');
    await expect(handler(request, new Context(request))).rejects.toBeInstanceOf(NotFound);
    expect(reports).toEqual([]);
  });

  it.each([
    ['errors() outside httpErrors()', (app: Handler) => compose(errors(), httpErrors())(app)],
    ['errors() inside httpErrors()', (app: Handler) => compose(httpErrors(), errors())(app)],
  ])('answers 404 for NotFound with %s', async (_name, wrap) => {
    const client = new TestApp(
      wrap(() => {
        throw new NotFound();
      }),
    );
    const res = await client.get('/', { status: 404 });
    expect(res.status).toBe(404);
  });
});

describe('isLoopback()', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['203.0.113.9', false],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['::2', false],
    ['', false],
    ['localhost', false],
    ['128.0.0.1', false],
  ])('says %s is loopback: %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });
});

describe('errors() and hostile thrown values', () => {
  it('answers 500 for a thrown Proxy whose every property read throws', async () => {
    const { errors } = await import('./middleware.ts');
    const { Context } = await import('../core/context.ts');
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    const handler = errors({ log: () => undefined })(() => {
      // A hostile value, not an Error: what errors() must survive.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw hostile;
    });
    const request = new Request('http://localhost/', { headers: { accept: 'text/html' } });
    const response = await handler(request, new Context(request, { remoteAddr: '203.0.113.9' }));
    expect(response.status).toBe(500);
  });
});
