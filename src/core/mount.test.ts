import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Context } from './context.ts';
import {
  mountAt,
  normalizePrefix,
  peekPath,
  prefixStripped,
  shiftPath,
  stripPrefix,
  unshiftPath,
} from './mount.ts';

const at = (scriptName: string, pathInfo: string): Context =>
  new Context('http://x/', { scriptName, pathInfo });

describe('shiftPath', () => {
  // The cases of paste.request.path_info_pop's doctest.
  it.each([
    ['/foo', '/bar', '/foo/bar', '', 'bar'],
    ['/foo/bar', '', '/foo/bar', '', undefined],
    ['/foo/bar', '/', '/foo/bar/', '', ''],
    ['', '/1/2/3', '/1', '/2/3', '1'],
    ['', '//1/2', '//1', '/2', '1'],
    ['', '/', '', '/', ''],
  ])('moves (%j, %j) to (%j, %j) and returns %j', (script, path, newScript, newPath, segment) => {
    const shifted = shiftPath(at(script, path));
    expect(shifted.segment).toBe(segment);
    expect(shifted.ctx.scriptName).toBe(newScript);
    expect(shifted.ctx.pathInfo).toBe(newPath);
  });

  it('decodes the segment but keeps both halves encoded', () => {
    const shifted = shiftPath(at('', '/a%2Fb/c'));
    expect(shifted.segment).toBe('a/b');
    expect(shifted.ctx.scriptName).toBe('/a%2Fb');
  });

  it('returns a malformed escape as it is', () => {
    expect(shiftPath(at('', '/%E0%A4%A/x')).segment).toBe('%E0%A4%A');
  });

  it('does not change the parent context', () => {
    const ctx = at('', '/a/b');
    shiftPath(ctx);
    expect(ctx.pathInfo).toBe('/a/b');
  });

  it('keeps scriptName + pathInfo constant, and unshift undoes shift', () => {
    const segment = fc.stringMatching(/^[a-z%0-9]{0,4}$/);
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), (parts) => {
        const path = parts.map((p) => `/${p}`).join('');
        const ctx = at('', path);
        const shifted = shiftPath(ctx).ctx;
        expect(shifted.scriptName + shifted.pathInfo).toBe(path);
        const back = unshiftPath(shifted).ctx;
        expect(back.scriptName + back.pathInfo).toBe(path);
      }),
    );
  });
});

describe('unshiftPath', () => {
  it('moves the last scriptName segment back to pathInfo', () => {
    const { segment, ctx } = unshiftPath(at('/a/b', '/c'));
    expect(segment).toBe('b');
    expect([ctx.scriptName, ctx.pathInfo]).toEqual(['/a', '/b/c']);
  });

  it('does nothing at the root', () => {
    const ctx = at('', '/c');
    expect(unshiftPath(ctx)).toEqual({ segment: undefined, ctx });
  });
});

describe('peekPath', () => {
  it('shows the next segment without moving it', () => {
    expect(peekPath(at('', '/a/b'))).toBe('a');
  });
});

describe('mountAt', () => {
  it.each([
    ['/app', '/app', '/app', ''],
    ['/app', '/app/x', '/app', '/x'],
    ['/app/', '/app/x', '/app', '/x'],
    ['/my app', '/my%20app/x', '/my%20app', '/x'],
    ['', '/x', '', '/x'],
  ])('mounts %j on %j', (prefix, path, script, rest) => {
    const child = mountAt(at('', path), prefix);
    expect([child?.scriptName, child?.pathInfo]).toEqual([script, rest]);
  });

  it.each([
    ['/app', '/apple'],
    ['/app', '/ap'],
    ['/app', '/'],
  ])('does not mount %j on %j', (prefix, path) => {
    expect(mountAt(at('', path), prefix)).toBeUndefined();
  });

  it('appends to an existing scriptName', () => {
    expect(mountAt(at('/outer', '/inner/x'), '/inner')?.scriptName).toBe('/outer/inner');
  });
});

describe('normalizePrefix', () => {
  it.each(['app', '/a/../b', '/a/./b'])('rejects %j', (prefix) => {
    expect(() => normalizePrefix(prefix)).toThrow(TypeError);
  });
});

describe('stripPrefix', () => {
  it('gives a plain handler the path without the mount prefix, keeping query and body', async () => {
    const request = new Request('http://x/api/items?page=2', { method: 'POST', body: 'payload' });
    const ctx = at('/api', '/items');
    const inner = prefixStripped(
      async (req) =>
        new Response(`${new URL(req.url).pathname}${new URL(req.url).search} ${await req.text()}`),
    );
    const response = await inner(request, ctx);
    expect(await response.text()).toBe('/items?page=2 payload');
  });

  it('turns an empty pathInfo into "/"', () => {
    expect(new URL(stripPrefix(new Request('http://x/api'), at('/api', '')).url).pathname).toBe(
      '/',
    );
  });

  it('returns the same request when nothing is mounted', () => {
    const request = new Request('http://x/a');
    expect(stripPrefix(request, at('', '/a'))).toBe(request);
  });
});
