import { chmodSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Context, type Handler } from '../core/index.ts';
import { TestApp } from '../testing/index.ts';
import { fill, scratch, tree } from '../../test/static/tree.ts';
import { staticFiles } from './index.ts';

const SITE = {
  'index.html': '<h1>home</h1>',
  'hello.txt': 'hello\n',
  'data.json': '{"a":1}',
  'logo.unknownext': 'x',
  noext: 'plain',
  'empty.txt': '',
  'a b.txt': 'spaced',
  'docs/index.html': '<h1>docs</h1>',
  'docs/guide.html': '<h1>guide</h1>',
  'bare/readme.txt': 'no index here',
  '.env': 'SECRET=1',
  '.git/config': '[core]',
  '.well-known/security.txt': 'Contact: mailto:security@example.com',
};

function site(options: Partial<Parameters<typeof staticFiles>[0]> = {}): TestApp {
  return new TestApp(staticFiles({ root: tree(SITE), ...options }));
}

describe('staticFiles() serving files', () => {
  it('serves a file with its type, length, validators and nosniff', async () => {
    const res = await site().get('/hello.txt');
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello\n');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-length')).toBe('6');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+-6"$/);
    expect(res.headers.get('last-modified')).toMatch(/ GMT$/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each([
    ['/data.json', 'application/json; charset=utf-8'],
    ['/index.html', 'text/html; charset=utf-8'],
    ['/logo.unknownext', 'application/octet-stream'],
    ['/noext', 'application/octet-stream'],
  ])('gives %s the type %s', async (path, type) => {
    expect((await site().get(path)).headers.get('content-type')).toBe(type);
  });

  it('serves a name with a space, encoded', async () => {
    expect((await site().get('/a%20b.txt')).text).toBe('spaced');
  });

  it('serves an empty file with Content-Length 0', async () => {
    const res = await site().get('/empty.txt');
    expect([res.status, res.headers.get('content-length'), res.body.byteLength]).toEqual([
      200,
      '0',
      0,
    ]);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const app = site();
    const get = await app.get('/hello.txt');
    const head = await app.head('/hello.txt');
    expect(head.status).toBe(200);
    expect(head.body.byteLength).toBe(0);
    for (const name of ['content-type', 'content-length', 'etag', 'last-modified']) {
      expect(head.headers.get(name)).toBe(get.headers.get(name));
    }
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])(
    'answers %s with 405 and Allow: GET, HEAD',
    async (method) => {
      const res = await site().request(method, '/hello.txt', { status: 405 });
      expect(res.headers.get('allow')).toBe('GET, HEAD');
    },
  );

  it('serves what is below the mount point, keeping scriptName out of the file path', async () => {
    const handler = staticFiles({ root: tree(SITE) });
    const request = new Request('http://localhost/static/hello.txt');
    const res = await handler(
      request,
      new Context(request, { scriptName: '/static', pathInfo: '/hello.txt' }),
    );
    expect(await res.text()).toBe('hello\n');
  });
});

describe('staticFiles() directories', () => {
  it('serves the index file of the root', async () => {
    expect((await site().get('/')).text).toBe('<h1>home</h1>');
  });

  it('serves the index file of a directory', async () => {
    expect((await site().get('/docs/')).text).toBe('<h1>docs</h1>');
  });

  it('tries the index names in order', async () => {
    const res = await site({ index: ['missing.html', 'guide.html'] }).get('/docs/');
    expect(res.text).toBe('<h1>guide</h1>');
  });

  it('skips an index name that is a directory', async () => {
    const root = tree({ 'a/index.html/x': 'x', 'a/index.htm': 'htm' });
    const res = await new TestApp(staticFiles({ root, index: ['index.html', 'index.htm'] })).get(
      '/a/',
    );
    expect(res.text).toBe('htm');
  });

  it('answers 404 for a directory without an index file (no listing)', async () => {
    await site().get('/bare/', { status: 404 });
  });

  it('answers 404 for a directory when index files are off', async () => {
    await site({ index: false }).get('/docs/', { status: 404 });
  });

  it('redirects a directory without its slash with 301, keeping the query', async () => {
    const res = await site().get('/docs?x=1&y=%20', { status: 301 });
    expect(res.headers.get('location')).toBe('/docs/?x=1&y=%20');
  });

  it('redirects the mount point itself to its path with a slash', async () => {
    const handler = staticFiles({ root: tree(SITE) });
    const request = new Request('http://localhost/static');
    const res = await handler(
      request,
      new Context(request, { scriptName: '/static', pathInfo: '' }),
    );
    expect([res.status, res.headers.get('location')]).toEqual([301, '/static/']);
  });

  it('keeps the redirect on its host for a path that starts with two slashes', async () => {
    const res = await site().get('http://localhost//docs', { status: 301 });
    expect(res.headers.get('location')).toBe('/docs/');
  });

  it('re-encodes the names in the redirect', async () => {
    const res = await new TestApp(staticFiles({ root: tree({ 'a b/index.html': 'x' }) })).get(
      '/a%20b',
      { status: 301 },
    );
    expect(res.headers.get('location')).toBe('/a%20b/');
  });

  it('answers 404 instead of redirecting when redirect is off', async () => {
    await site({ redirect: false }).get('/docs', { status: 404 });
  });

  it('answers 404 for a file asked for as a directory', async () => {
    await site().get('/hello.txt/', { status: 404 });
  });
});

describe('staticFiles() refusals', () => {
  it.each(['/missing.txt', '/docs/missing.html', '/hello.txt/more'])(
    'answers 404 for %s',
    async (path) => {
      await site().get(path, { status: 404 });
    },
  );

  it.each(['/.env', '/.git/config', '/docs/../.env'])(
    'answers 404, not 403, for the dotfile path %s',
    async (path) => {
      await site().get(path, { status: 404 });
    },
  );

  it('serves .well-known while denying other dotfiles', async () => {
    expect((await site().get('/.well-known/security.txt')).text).toMatch(/^Contact/);
  });

  it('serves dotfiles when they are allowed', async () => {
    expect((await site({ dotfiles: 'allow' }).get('/.env')).text).toBe('SECRET=1');
  });

  it('does not echo the path in a 404 body', async () => {
    const res = await site().get('/%3Cscript%3Ealert(1)%3C%2Fscript%3E', {
      status: 404,
      headers: { accept: 'text/html' },
    });
    expect(res.text).not.toContain('<script>');
    expect(res.text).not.toContain('alert');
  });

  it('answers 404 for a FIFO at once instead of waiting for a writer', async () => {
    const root = tree({ pipe: { fifo: true } });
    await new TestApp(staticFiles({ root })).get('/pipe', { status: 404 });
  });

  // The superuser reads any file, so the refusal can only be seen as another user.
  it.skipIf(process.getuid?.() === 0)('answers 403 for a file it may not read', async () => {
    const root = tree({ 'locked.txt': 'x' });
    chmodSync(`${root}/locked.txt`, 0o000);
    await new TestApp(staticFiles({ root })).get('/locked.txt', { status: 403 });
  });
});

describe('staticFiles() symlinks', () => {
  function linked(): string {
    const outside = tree({ 'canary.txt': 'CANARY' });
    const root = scratch();
    fill(root, {
      'real.txt': 'real',
      'dir/inner.txt': 'inner',
      'link-in.txt': { symlink: 'real.txt' },
      'dir-link': { symlink: 'dir' },
      'link-out.txt': { symlink: `${outside}/canary.txt` },
      'dir-out': { symlink: outside },
    });
    return root;
  }

  it.each(['/link-in.txt', '/dir-link/inner.txt', '/link-out.txt', '/dir-out/canary.txt'])(
    'refuses %s by default with 404',
    async (path) => {
      await new TestApp(staticFiles({ root: linked() })).get(path, { status: 404 });
    },
  );

  it.each([
    ['/link-in.txt', 'real'],
    ['/dir-link/inner.txt', 'inner'],
  ])('follows %s inside the root when allowed', async (path, body) => {
    const res = await new TestApp(staticFiles({ root: linked(), followSymlinks: true })).get(path);
    expect(res.text).toBe(body);
  });

  it.each(['/link-out.txt', '/dir-out/canary.txt'])(
    'refuses %s out of the root even when symlinks are followed',
    async (path) => {
      const res = await new TestApp(staticFiles({ root: linked(), followSymlinks: true })).get(
        path,
        { status: 404 },
      );
      expect(res.text).not.toContain('CANARY');
    },
  );

  it('serves a root that is itself reached through a symlink', async () => {
    const real = tree({ 'a.txt': 'through' });
    const holder = tree({ 'root-link': { symlink: real } });
    const res = await new TestApp(staticFiles({ root: `${holder}/root-link` })).get('/a.txt');
    expect(res.text).toBe('through');
  });
});

describe('staticFiles() caching and fallthrough', () => {
  it('sends Cache-Control max-age when cacheMaxAge is set, without public', async () => {
    const res = await site({ cacheMaxAge: 3600 }).get('/hello.txt');
    expect(res.headers.get('cache-control')).toBe('max-age=3600');
  });

  it('adds immutable', async () => {
    const res = await site({ cacheMaxAge: 31536000, immutable: true }).get('/hello.txt');
    expect(res.headers.get('cache-control')).toBe('max-age=31536000, immutable');
  });

  it('sends no Cache-Control by default', async () => {
    expect((await site().get('/hello.txt')).headers.get('cache-control')).toBeNull();
  });

  it('sends neither ETag nor Last-Modified when both are off', async () => {
    const res = await site({ etag: false, lastModified: false }).get('/hello.txt');
    expect([res.headers.get('etag'), res.headers.get('last-modified')]).toEqual([null, null]);
  });

  it('hands what it does not find, and other methods, to the fallthrough handler', async () => {
    const seen: string[] = [];
    const app: Handler = (request, ctx) => {
      seen.push(`${request.method} ${ctx.pathInfo}`);
      return new Response('from the app');
    };
    const client = site({ fallthrough: app });
    expect((await client.get('/api/users')).text).toBe('from the app');
    expect((await client.post('/hello.txt')).text).toBe('from the app');
    expect((await client.get('/.env')).text).toBe('from the app');
    expect((await client.get('/hello.txt')).text).toBe('hello\n');
    expect(seen).toEqual(['GET /api/users', 'POST /hello.txt', 'GET /.env']);
  });

  it('uses extra media types before the database', async () => {
    const root = tree({ 'page.gmi': '# hi', 'x.txt': 'x' });
    const app = new TestApp(
      staticFiles({ root, extraMimeTypes: { gmi: 'text/gemini', '.TXT': 'text/x-mine' } }),
    );
    expect((await app.get('/page.gmi')).headers.get('content-type')).toBe(
      'text/gemini; charset=utf-8',
    );
    expect((await app.get('/x.txt')).headers.get('content-type')).toBe(
      'text/x-mine; charset=utf-8',
    );
  });
});
