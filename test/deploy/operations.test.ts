/**
 * The debugging and operations entry points loaded from config files: egg:Paste#gzip,
 * #profile, #printdebug, #translogger, #wdg_validate, #test, #test_slow and egg:PasteScript#test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { DeployWarning } from '../../src/deploy/errors.ts';
import { loadApp } from '../../src/deploy/loader.ts';
import { get, rejection, tree } from './helpers.ts';

const PAGE = `export const page = () => new Response('<!doctype html><html><head><title>t</title></head><body><p>${'hello '.repeat(400)}</p></body></html>', { headers: { 'content-type': 'text/html; charset=utf-8' } });
export const noisy = () => { console.log('from the app'); return page(); };
`;

function site(filter: string, app = 'page', extra: Record<string, string> = {}): string {
  return tree({
    'site.ini': `[app:main]\nuse = file:./app.mjs#${app}\nfilter-with = f\n\n[filter:f]\n${filter}\n`,
    'app.mjs': PAGE,
    ...extra,
  });
}

describe('egg:Paste#gzip', () => {
  it('compresses at compress_level and names the encoding', async () => {
    const dir = site('use = egg:Paste#gzip\ncompress_level = 9\nencodings = gzip');
    const app = await loadApp(`${dir}/site.ini`);
    const response = await get(app, '/', { 'accept-encoding': 'gzip, br' });
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('vary')).toBe('Accept-Encoding');
    const body = gunzipSync(Buffer.from(await response.arrayBuffer())).toString();
    expect(body).toContain('hello hello');
  });

  it('names the key of a bad level', async () => {
    const dir = site('use = egg:Paste#gzip\ncompress_level = 12');
    const error = await rejection(loadApp(`${dir}/site.ini`));
    expect(error).toMatchObject({ section: 'filter:f', key: 'compress_level' });
  });
});

describe('egg:Paste#printdebug', () => {
  it("puts the request's console output into the page", async () => {
    const dir = site('use = egg:Paste#printdebug\nprint_wsgi_errors = false', 'noisy');
    const app = await loadApp(`${dir}/site.ini`);
    const text = await (await get(app, '/')).text();
    expect(text).toContain('from the app');
  });
});

describe('egg:Paste#profile', () => {
  it('writes a .cpuprofile beside log_filename and appends the table', async () => {
    const dir = site('use = egg:Paste#profile\nlog_filename = profiles/profile.log.tmp\nlimit = 5');
    const app = await loadApp(`${dir}/site.ini`);
    const text = await (await get(app, '/')).text();
    expect(text).toContain('hello hello');
    const files = readdirSync(`${dir}/profiles`).filter((name) => name.endsWith('.cpuprofile'));
    expect(files).toHaveLength(1);
    const profile = JSON.parse(readFileSync(`${dir}/profiles/${files[0] ?? ''}`, 'utf8')) as {
      nodes: unknown[];
    };
    expect(profile.nodes.length).toBeGreaterThan(0);
  });
});

describe('egg:Paste#translogger', () => {
  it('writes one combined line per request to the file, and warns about logging options', async () => {
    const warnings: DeployWarning[] = [];
    const dir = site(
      'use = egg:Paste#translogger\nfile = access.log\nlogger_name = wsgi\ntimezone = utc',
    );
    const app = await loadApp(`${dir}/site.ini`, { onWarning: (w) => warnings.push(w) });
    await (await get(app, '/x?y=1', { 'user-agent': 'test "agent"' })).text();
    // The line is written when the body has been sent, and reaches the file a moment later.
    let line = '';
    for (let i = 0; i < 200 && line === ''; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      line = readFileSync(`${dir}/access.log`, 'utf8');
    }
    expect(line).toMatch(
      /^127\.0\.0\.1 - - \[[^\]]+ \+0000\] "GET \/x\?y=1 HTTP\/1\.1" 200 \d+ "-" "test \\"agent\\""\n$/,
    );
    expect(warnings.map((w) => w.where.key)).toEqual(['logger_name']);
  });
});

describe('egg:Paste#wdg_validate', () => {
  it('appends html-validate findings to an invalid page', async () => {
    const dir = tree({
      'site.ini':
        '[app:main]\nuse = file:./bad.mjs#bad\nfilter-with = f\n\n[filter:f]\nuse = egg:Paste#wdg_validate\nwdg_path = validate\n',
      'bad.mjs': `export const bad = () => new Response('<!doctype html><html><head><title>x</title></head><body><p><div>no</p></body></html>', { headers: { 'content-type': 'text/html' } });\n`,
    });
    const app = await loadApp(`${dir}/site.ini`, { onWarning: () => undefined });
    const text = await (await get(app, '/')).text();
    expect(text).toContain('trowel-html-validation');
  });
});

describe('the debug apps', () => {
  it('egg:Paste#test serves its page', async () => {
    const dir = tree({ 'site.ini': '[app:main]\nuse = egg:Paste#test\n' });
    const response = await get(await loadApp(`${dir}/site.ini`), '/');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<p>simple</p>');
  });

  it('egg:Paste#test_slow takes chunk_size and delay', async () => {
    const dir = tree({
      'site.ini':
        '[app:main]\nuse = egg:Paste#test_slow\nchunk_size = 8\ndelay = 0\nprogress = false\n',
    });
    const response = await get(await loadApp(`${dir}/site.ini`), '/');
    expect(response.status).toBe(200);
  });

  it('egg:PasteScript#test echoes the request as text', async () => {
    const dir = tree({ 'site.ini': '[app:main]\nuse = egg:PasteScript#test\ntext = true\n' });
    const response = await get(await loadApp(`${dir}/site.ini`), '/echo', {
      authorization: 'Basic c2VjcmV0',
    });
    const text = await response.text();
    expect(text).toContain('/echo');
    expect(text).not.toContain('c2VjcmV0');
  });
});

describe('the error catchers', () => {
  const BROKEN = {
    'app.mjs': `export const boom = () => { throw new Error('kaboom <b>'); };\n`,
  };
  const load = (filter: string, globals = '') =>
    loadApp(
      `${tree({
        'site.ini': `${globals}[app:main]\nuse = file:./app.mjs#boom\nfilter-with = f\n\n[filter:f]\n${filter}\n`,
        ...BROKEN,
      })}/site.ini`,
      { onWarning: () => undefined },
    );

  it('egg:Paste#error_catcher answers the production page, with error_message', async () => {
    const app = await load(
      'use = egg:Paste#error_catcher\nerror_message = Sorry.\nxmlhttp_key = _',
    );
    const response = await get(app, '/', { accept: 'text/html' });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toContain('Sorry.');
    expect(text).not.toContain('kaboom');
  });

  it('egg:Paste#error_catcher takes debug from [DEFAULT], and escapes the debug page', async () => {
    const app = await load('use = egg:Paste#error_catcher', '[DEFAULT]\ndebug = true\n');
    const text = await (await get(app, '/', { accept: 'text/html' })).text();
    expect(text).toContain('kaboom &lt;b&gt;');
  });

  it('egg:Paste#evalerror shows the debug page to a loopback client', async () => {
    const app = await load('use = egg:Paste#evalerror');
    const text = await (await get(app, '/', { accept: 'text/plain' })).text();
    expect(text).toContain('kaboom <b>');
  });

  it('egg:Paste#cgitb writes a report into logdir', async () => {
    const dir = tree({
      'site.ini':
        '[app:main]\nuse = file:./app.mjs#boom\nfilter-with = f\n\n[filter:f]\nuse = egg:Paste#cgitb\nlogdir = reports\ndisplay = false\n',
      'reports/.keep': '',
      ...BROKEN,
    });
    const app = await loadApp(`${dir}/site.ini`);
    expect((await get(app, '/')).status).toBe(500);
    let files: string[] = [];
    for (let i = 0; i < 200 && files.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      files = readdirSync(`${dir}/reports`).filter((name) => name !== '.keep');
    }
    expect(files).toHaveLength(1);
  });
});
