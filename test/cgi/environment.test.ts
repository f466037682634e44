/**
 * The environment a real CGI script sees through trowel's server: every meta-variable, the header
 * mapping rules (httpoxy, underscores, Authorization), the allow-list and the precedence — read
 * back from `env.py`, which answers with its environment as JSON.
 */
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/core/context.ts';
import type { Handler } from '../../src/core/handler.ts';
import { mountAt } from '../../src/core/mount.ts';
import { cgi, type CgiOptions } from '../../src/cgi/index.ts';
import { serve, type TrowelServer } from '../../src/server/index.ts';
import { TestApp } from '../../src/testing/index.ts';
import { FIXTURES, fixture } from './helpers.ts';

interface Dump {
  env: Record<string, string>;
  argv: string[];
  body: string;
  cwd: string;
}

const USER = createKey<string>('test.user');
const ENV_SCRIPT = fixture('env.py');

/** Serves `cgi(options)` under /cgi, with USER set from an `X-Test-User` field. */
function mounted(options: Omit<CgiOptions, 'script'> = {}): Handler {
  const app = cgi({ script: ENV_SCRIPT, remoteUser: (ctx) => ctx.get(USER), ...options });
  return (request, ctx) => {
    const inner = mountAt(ctx, '/cgi');
    if (inner === undefined) return new Response('not here', { status: 404 });
    const user = request.headers.get('x-test-user');
    if (user !== null) inner.set(USER, user);
    return app(request, inner);
  };
}

let server: TrowelServer;
let handler: Handler = mounted();

beforeAll(async () => {
  server = await serve((request, ctx) => handler(request, ctx), { port: 0 });
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  handler = mounted();
});

/** Sends a raw request (any header names, exactly as written) and reads the script's dump. */
function dump(
  path: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: string | string[] } = {},
): Promise<{ status: number; dump: Dump; localPort: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}${path}`,
      { method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            dump: JSON.parse(text) as Dump,
            localPort: req.socket?.localPort ?? 0,
          });
        });
      },
    );
    req.on('error', reject);
    const { body } = options;
    if (Array.isArray(body)) for (const part of body) req.write(part);
    else if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('meta-variables (RFC 3875 §4.1) from a real request', () => {
  let result: Awaited<ReturnType<typeof dump>>;
  beforeAll(async () => {
    handler = mounted({ documentRoot: '/srv/docs/' });
    result = await dump('/cgi/extra/p%20q?q=1&r=%20', {
      headers: { 'X-Foo': 'dash', 'Git-Protocol': 'version=2', Cookie: 'a=1' },
    });
  });

  it.each([
    ['GATEWAY_INTERFACE', 'CGI/1.1'],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['SERVER_SOFTWARE', 'trowel'],
    ['SERVER_NAME', '127.0.0.1'],
    ['REQUEST_METHOD', 'GET'],
    ['REQUEST_SCHEME', 'http'],
    ['SCRIPT_NAME', '/cgi'],
    ['PATH_INFO', '/extra/p q'],
    ['PATH_TRANSLATED', '/srv/docs/extra/p q'],
    ['QUERY_STRING', 'q=1&r=%20'],
    ['REQUEST_URI', '/cgi/extra/p%20q?q=1&r=%20'],
    ['SCRIPT_FILENAME', ENV_SCRIPT],
    ['REMOTE_ADDR', '127.0.0.1'],
    ['HTTP_X_FOO', 'dash'],
    ['HTTP_GIT_PROTOCOL', 'version=2'],
    ['HTTP_COOKIE', 'a=1'],
  ])('sets %s to %j', (name, value) => {
    expect(result.dump.env[name]).toBe(value);
  });

  it('sets SERVER_PORT, HTTP_HOST and REMOTE_PORT from the connection', () => {
    const { env } = result.dump;
    expect(env['SERVER_PORT']).toBe(String(server.port));
    expect(env['HTTP_HOST']).toBe(`127.0.0.1:${server.port}`);
    expect(env['REMOTE_PORT']).toBe(String(result.localPort));
  });

  it.each([
    'CONTENT_LENGTH',
    'CONTENT_TYPE',
    'HTTPS',
    'REMOTE_USER',
    'AUTH_TYPE',
    'HTTP_TRANSFER_ENCODING',
    'HTTP_PROXY',
  ])('leaves %s unset', (name) => {
    expect(result.dump.env).not.toHaveProperty(name);
  });

  it('runs the script in its own directory with no arguments', () => {
    expect(result.dump.cwd).toBe(FIXTURES);
    expect(result.dump.argv).toEqual([]);
  });
});

describe('request header fields', () => {
  it('never passes Proxy as HTTP_PROXY (httpoxy)', async () => {
    const { dump: d } = await dump('/cgi', { headers: { Proxy: 'http://evil.example:8080' } });
    expect(d.env).not.toHaveProperty('HTTP_PROXY');
  });

  it('drops a field whose name has an underscore, keeping the hyphenated one', async () => {
    const { dump: d } = await dump('/cgi', {
      headers: { 'X-Forwarded-For': '10.0.0.1', X_Forwarded_For: '6.6.6.6', X_Only: 'x' },
    });
    expect(d.env['HTTP_X_FORWARDED_FOR']).toBe('10.0.0.1');
    expect(d.env).not.toHaveProperty('HTTP_X_ONLY');
  });

  const headers = { Authorization: 'Basic YTpi', 'Proxy-Authorization': 'Basic YzpkCg==' };

  it('withholds Authorization and Proxy-Authorization by default', async () => {
    const { dump: d } = await dump('/cgi', { headers });
    expect(d.env).not.toHaveProperty('HTTP_AUTHORIZATION');
    expect(d.env).not.toHaveProperty('HTTP_PROXY_AUTHORIZATION');
  });

  it('passes Authorization, and only it, with passAuthorization', async () => {
    handler = mounted({ passAuthorization: true });
    const { dump: passed } = await dump('/cgi', { headers });
    expect(passed.env['HTTP_AUTHORIZATION']).toBe('Basic YTpi');
    expect(passed.env).not.toHaveProperty('HTTP_PROXY_AUTHORIZATION');
  });
});

describe('request bodies', () => {
  it('gives a body with a length as CONTENT_LENGTH and CONTENT_TYPE', async () => {
    const { dump: d } = await dump('/cgi', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'Content-Length': '5' },
      body: 'hello',
    });
    expect([d.env['CONTENT_LENGTH'], d.env['CONTENT_TYPE'], d.body]).toEqual([
      '5',
      'text/plain',
      'hello',
    ]);
    expect(d.env).not.toHaveProperty('HTTP_CONTENT_LENGTH');
  });

  it('streams a chunked body without CONTENT_LENGTH, with HTTP_TRANSFER_ENCODING', async () => {
    const { dump: d } = await dump('/cgi', {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked' },
      body: ['one ', 'two ', 'three'],
    });
    expect(d.env).not.toHaveProperty('CONTENT_LENGTH');
    expect([d.env['HTTP_TRANSFER_ENCODING'], d.body]).toEqual(['chunked', 'one two three']);
  });

  it('buffers a chunked body to give it a CONTENT_LENGTH, with bufferChunkedBody', async () => {
    handler = mounted({ bufferChunkedBody: 1024 });
    const { dump: d } = await dump('/cgi', {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked' },
      body: ['one ', 'two'],
    });
    expect([d.env['CONTENT_LENGTH'], d.body]).toEqual(['7', 'one two']);
    expect(d.env).not.toHaveProperty('HTTP_TRANSFER_ENCODING');
  });
});

describe('REMOTE_USER and AUTH_TYPE', () => {
  it('sets REMOTE_USER from remoteUser, and AUTH_TYPE from the Authorization scheme', async () => {
    const { dump: d } = await dump('/cgi', {
      headers: { 'X-Test-User': 'ada', Authorization: 'Basic YWRhOng=' },
    });
    expect([d.env['REMOTE_USER'], d.env['AUTH_TYPE']]).toEqual(['ada', 'Basic']);
  });

  it('takes AUTH_TYPE from authType when given', async () => {
    handler = mounted({ authType: () => 'Cookie' });
    const { dump: d } = await dump('/cgi', { headers: { 'X-Test-User': 'ada' } });
    expect(d.env['AUTH_TYPE']).toBe('Cookie');
  });

  it('sets neither without a user', async () => {
    const { dump: d } = await dump('/cgi', { headers: { Authorization: 'Basic YWRhOng=' } });
    expect(d.env).not.toHaveProperty('REMOTE_USER');
    expect(d.env).not.toHaveProperty('AUTH_TYPE');
  });
});

describe('the environment allow-list', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ['TROWEL_TEST_SECRET', 'REMOTE_ADDR', 'HTTP_X_FOO']) {
      if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = saved[name];
    }
  });

  it("passes only PATH from the server's environment by default", async () => {
    process.env['TROWEL_TEST_SECRET'] = 's3cret';
    handler = mounted();
    const { dump: d } = await dump('/cgi');
    expect(d.env).not.toHaveProperty('TROWEL_TEST_SECRET');
    expect(d.env['PATH']).toBe(process.env['PATH']);
    expect(Object.keys(d.env).filter((name) => name in process.env)).toEqual(['PATH']);
  });

  it('passes the variables listed in passEnv, and nothing else', async () => {
    process.env['TROWEL_TEST_SECRET'] = 's3cret';
    handler = mounted({ passEnv: ['TROWEL_TEST_SECRET', 'TROWEL_TEST_UNSET'] });
    const { dump: d } = await dump('/cgi');
    expect(d.env['TROWEL_TEST_SECRET']).toBe('s3cret');
    expect(d.env).not.toHaveProperty('PATH');
    expect(d.env).not.toHaveProperty('TROWEL_TEST_UNSET');
  });

  it('passes the whole environment with passEnv: true', async () => {
    process.env['TROWEL_TEST_SECRET'] = 's3cret';
    handler = mounted({ passEnv: true });
    const { dump: d } = await dump('/cgi');
    expect(d.env['TROWEL_TEST_SECRET']).toBe('s3cret');
  });

  it('lets meta-variables win over passed ones, and passed ones over header fields', async () => {
    process.env['REMOTE_ADDR'] = '6.6.6.6';
    process.env['HTTP_X_FOO'] = 'from the server';
    handler = mounted({ passEnv: ['REMOTE_ADDR', 'HTTP_X_FOO'] });
    const { dump: d } = await dump('/cgi', { headers: { 'X-Foo': 'from the client' } });
    expect([d.env['REMOTE_ADDR'], d.env['HTTP_X_FOO']]).toEqual(['127.0.0.1', 'from the server']);
  });

  it('lets env set anything, meta-variables included', async () => {
    handler = mounted({ env: { SERVER_NAME: 'canonical.example', EXTRA: 'yes' } });
    const { dump: d } = await dump('/cgi');
    expect([d.env['SERVER_NAME'], d.env['EXTRA']]).toEqual(['canonical.example', 'yes']);
  });
});

describe('in-process requests', () => {
  async function inProcess(
    url: string,
    options: Omit<CgiOptions, 'script'> & { scriptName?: string } = {},
  ): Promise<Dump> {
    const { scriptName = '', ...rest } = options;
    const app = new TestApp(cgi({ script: ENV_SCRIPT, ...rest }), {
      extraContext: { scriptName, remoteAddr: '127.0.0.1' },
    });
    return (await app.get(url)).json as Dump;
  }

  it('sets HTTPS and port 443 for https', async () => {
    const d = await inProcess('https://secure.example/x');
    expect([d.env['HTTPS'], d.env['SERVER_NAME'], d.env['SERVER_PORT']]).toEqual([
      'on',
      'secure.example',
      '443',
    ]);
  });

  it('uses port 80 when the host names none', async () => {
    const d = await inProcess('http://plain.example/x');
    expect([d.env['SERVER_NAME'], d.env['SERVER_PORT']]).toEqual(['plain.example', '80']);
  });

  it('keeps the brackets of an IPv6 SERVER_NAME', async () => {
    const d = await inProcess('http://[::1]:8080/x');
    expect([d.env['SERVER_NAME'], d.env['SERVER_PORT']]).toEqual(['[::1]', '8080']);
  });

  it('decodes SCRIPT_NAME and PATH_INFO as UTF-8', async () => {
    const d = await inProcess('/c%20gi/%E2%82%AC', { scriptName: '/c%20gi' });
    expect([d.env['SCRIPT_NAME'], d.env['PATH_INFO']]).toEqual(['/c gi', '/€']);
  });

  it('appends queryString to QUERY_STRING', async () => {
    expect((await inProcess('/x?a=1', { queryString: 'b=2' })).env['QUERY_STRING']).toBe('a=1&b=2');
    expect((await inProcess('/x', { queryString: 'b=2' })).env['QUERY_STRING']).toBe('b=2');
  });

  it('never puts the query string on the command line (RFC 3875 §4.4)', async () => {
    const app = new TestApp(cgi({ command: ['/usr/bin/python3', ENV_SCRIPT, 'given'] }));
    const d = (await app.get('/x?-s+isindex')).json as Dump;
    expect(d.argv).toEqual(['given']);
  });

  it('runs a command in the working directory given', async () => {
    const app = new TestApp(cgi({ command: ['/usr/bin/python3', ENV_SCRIPT], cwd: '/tmp' }));
    const d = (await app.get('/x')).json as Dump;
    expect([d.cwd, d.env['SCRIPT_FILENAME']]).toEqual(['/tmp', undefined]);
  });
});
