import { describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import { AUTH_TYPE, REMOTE_USER } from '../core/keys.ts';
import { buildEnvironment, decodePath, splitHost, type EnvironmentConfig } from './environment.ts';

const CONFIG: EnvironmentConfig = {
  passed: {},
  env: {},
  scriptFilename: undefined,
  queryString: undefined,
  documentRoot: undefined,
  passAuthorization: false,
  remoteUser: undefined,
  authType: undefined,
};

function vars(
  url: string,
  init: RequestInit = {},
  config: Partial<EnvironmentConfig> = {},
): Record<string, string> {
  const request = new Request(url, init);
  const env = buildEnvironment(
    request,
    new Context(request),
    { ...CONFIG, ...config },
    {
      contentLength: undefined,
      chunked: false,
    },
  );
  if (!env.ok) throw new Error(env.detail);
  return env.vars;
}

describe('decodePath', () => {
  it.each([
    ['', ''],
    ['/a/b', '/a/b'],
    ['/p%20q', '/p q'],
    ['/%E2%82%AC', '/€'],
    ['/a%3Fb%23c', '/a?b#c'],
    ['/%2e%2e', '/..'],
    ['/%5C', '/\\'],
  ])('decodes %j to %j', (encoded, decoded) => {
    expect(decodePath(encoded)).toBe(decoded);
  });

  it.each([
    ['/a%2Fb', 404],
    ['/a%2fb', 404],
    ['/a%00', 404],
    ['/%FF', 400],
    ['/%C3', 400],
    ['/%zz', 400],
    ['/%', 400],
  ])('refuses %j with %i', (encoded, status) => {
    expect(decodePath(encoded)).toMatchObject({ ok: false, status });
  });
});

describe('splitHost', () => {
  it.each([
    ['example.org', 'http', 'example.org', '80'],
    ['example.org', 'https', 'example.org', '443'],
    ['example.org:8080', 'http', 'example.org', '8080'],
    ['127.0.0.1:9', 'https', '127.0.0.1', '9'],
    ['[::1]', 'http', '[::1]', '80'],
    ['[::1]:8443', 'https', '[::1]', '8443'],
  ])('splits %j (%s) into %j and %j', (host, scheme, name, port) => {
    expect(splitHost(host, scheme)).toEqual({ name, port });
  });
});

describe('buildEnvironment', () => {
  it('maps each mappable header field to HTTP_*, joined as Fetch joins repeats', () => {
    const env = vars('http://x/', {
      headers: [
        ['Accept', 'a/b'],
        ['Accept', 'c/d'],
        ['X-Many-Dashes-Here', '1'],
      ],
    });
    expect([env['HTTP_ACCEPT'], env['HTTP_X_MANY_DASHES_HERE']]).toEqual(['a/b, c/d', '1']);
  });

  it('leaves the body fields to CONTENT_TYPE and the framing', () => {
    const env = vars('http://x/', {
      method: 'POST',
      body: 'abc',
      headers: { 'content-type': 'text/plain', 'transfer-encoding': 'gzip' },
    });
    expect(env['CONTENT_TYPE']).toBe('text/plain');
    expect(Object.keys(env).filter((name) => name.startsWith('HTTP_'))).toEqual(['HTTP_HOST']);
  });

  it('sets no PATH_TRANSLATED without a PATH_INFO', () => {
    const request = new Request('http://x/cgi');
    const ctx = new Context(request, { scriptName: '/cgi', pathInfo: '' });
    const env = buildEnvironment(
      request,
      ctx,
      { ...CONFIG, documentRoot: '/srv' },
      {
        contentLength: undefined,
        chunked: false,
      },
    );
    expect(env.ok && env.vars).not.toHaveProperty('PATH_TRANSLATED');
  });

  it.each([
    ['/cgi%2Fx', 404],
    ['/%FF', 400],
  ])('refuses a PATH_INFO of %j with %i', (path, status) => {
    const request = new Request(`http://x${path}`);
    const env = buildEnvironment(request, new Context(request), CONFIG, {
      contentLength: undefined,
      chunked: false,
    });
    expect(env).toMatchObject({ ok: false, status });
  });

  it('refuses a SCRIPT_NAME it cannot decode', () => {
    const request = new Request('http://x/a%2Fb/c');
    const ctx = new Context(request, { scriptName: '/a%2Fb', pathInfo: '/c' });
    const env = buildEnvironment(request, ctx, CONFIG, {
      contentLength: undefined,
      chunked: false,
    });
    expect(env).toMatchObject({ ok: false, status: 404 });
  });

  it('gives the variables no prototype, so names like __proto__ stay plain', () => {
    const env = vars('http://x/', {}, { env: { ['__proto__']: 'x' } });
    expect(Object.getPrototypeOf(env)).toBe(null);
  });

  it('sets HTTP_HOST from the context when the request has no Host field', () => {
    expect(vars('http://example.org:8080/')['HTTP_HOST']).toBe('example.org:8080');
    expect(vars('http://x/', { headers: { host: 'given.example' } })['HTTP_HOST']).toBe(
      'given.example',
    );
  });
});

describe('REMOTE_USER from the shared context keys', () => {
  it('reads REMOTE_USER and AUTH_TYPE from the core keys when no callback is given', () => {
    const request = new Request('http://x/script');
    const ctx = new Context(request).set(REMOTE_USER, 'ada').set(AUTH_TYPE, 'Digest');
    const env = buildEnvironment(request, ctx, CONFIG, {
      contentLength: undefined,
      chunked: false,
    });
    if (!env.ok) throw new Error(env.detail);
    expect([env.vars['REMOTE_USER'], env.vars['AUTH_TYPE']]).toEqual(['ada', 'Digest']);
  });

  it('sets no REMOTE_USER when nobody authenticated', () => {
    expect(vars('http://x/script')['REMOTE_USER']).toBeUndefined();
  });
});
