import { describe, expect, it } from 'vitest';
import { get, rejection, TAG_MODULE, tree } from '../../test/deploy/helpers.ts';
import type { DeployWarning } from './errors.ts';
import { loadApp, type LoadOptions } from './loader.ts';
import { sectionKind } from './scope.ts';

interface Echo {
  readonly options: Record<string, string>;
  readonly globalConf: Record<string, string>;
}

/** Loads `ini` (beside the test module) and returns what the echo factory was given. */
async function echo(
  files: Record<string, string>,
  options: LoadOptions = {},
): Promise<Echo & { dir: string }> {
  const dir = tree({ 'm.mjs': TAG_MODULE, ...files });
  const app = await loadApp(`${dir}/site.ini`, options);
  return { ...((await (await get(app)).json()) as Echo), dir };
}

describe('options and globals', () => {
  it("gives the factory the section's own keys as options, and [DEFAULT] with here and __file__ as globals", async () => {
    const { options, globalConf, dir } = await echo({
      'site.ini':
        '[DEFAULT]\nadmin = ops@example.com\n[app:main]\nuse = file:./m.mjs#echo\nroot = %(here)s/htdocs\nself = %(__file__)s\n',
    });
    expect(options).toEqual({ root: `${dir}/htdocs`, self: `${dir}/site.ini` });
    expect(globalConf).toEqual({
      here: dir,
      __file__: `${dir}/site.ini`,
      admin: 'ops@example.com',
    });
  });

  it('passes a key that [DEFAULT] also has to the factory (PasteDeploy dropped it)', async () => {
    const { options, globalConf } = await echo({
      'site.ini':
        '[DEFAULT]\ndebug = false\n[app:main]\nuse = file:./m.mjs#echo\ndebug = true\nshown = %(debug)s\n',
    });
    expect(options).toEqual({ debug: 'true', shown: 'true' });
    expect(globalConf['debug']).toBe('false');
  });

  it('takes %(name)s from the section first, then [DEFAULT]', async () => {
    const { options } = await echo({
      'site.ini':
        '[DEFAULT]\nbase = %(name)s-default\nname = d\n[app:main]\nuse = file:./m.mjs#echo\nname = s\nvalue = %(base)s\nliteral = 100%%\n',
    });
    expect(options).toMatchObject({ value: 's-default', literal: '100%' });
  });

  it('sets globals with "set NAME", for this section and what it loads, but not for %(NAME)s', async () => {
    const { options, globalConf } = await echo({
      'site.ini':
        '[DEFAULT]\ndebug = false\n[app:main]\nuse = inner\nset debug = true\nseen = %(debug)s\n[app:inner]\nuse = file:./m.mjs#echo\n',
    });
    expect(globalConf['debug']).toBe('true');
    expect(options['seen']).toBe('false');
  });

  it("lets a using section's set win over the used section's", async () => {
    const { globalConf } = await echo({
      'site.ini':
        '[app:main]\nuse = inner\nset x = outer\n[app:inner]\nuse = file:./m.mjs#echo\nset x = inner\n',
    });
    expect(globalConf['x']).toBe('outer');
  });

  it('copies a global into the options with "get LOCAL = GLOBAL"', async () => {
    const { options } = await echo({
      'site.ini':
        '[DEFAULT]\nadmin_email = ops@example.com\n[app:main]\nuse = file:./m.mjs#echo\nget contact = admin_email\nset other = x\nget copy = other\n',
    });
    expect(options).toEqual({ contact: 'ops@example.com', copy: 'x' });
  });

  it('refuses to get a global that does not exist', async () => {
    const error = await rejection(
      echo({ 'site.ini': '[app:main]\nuse = file:./m.mjs#echo\nget contact = nobody\n' }),
    );
    expect(error).toMatchObject({
      code: 'TROWEL_ERR_DEPLOY_SECTION',
      section: 'app:main',
      key: 'get contact',
      line: 3,
    });
  });

  it('reads a bare "set" key as a plain option, as PasteDeploy does', async () => {
    const { options } = await echo({
      'site.ini': '[app:main]\nuse = file:./m.mjs#echo\nset = x\n',
    });
    expect(options).toEqual({ set: 'x' });
  });
});

describe('command-line variables', () => {
  it('override [DEFAULT] both for %(name)s and in the globals (PasteDeploy: only the globals)', async () => {
    const { options, globalConf } = await echo(
      {
        'site.ini':
          '[DEFAULT]\nhttp_port = 8080\n[app:main]\nuse = file:./m.mjs#echo\nport = %(http_port)s\n',
      },
      { globalConf: { http_port: '9000' } },
    );
    expect(options['port']).toBe('9000');
    expect(globalConf['http_port']).toBe('9000');
  });

  it('fill a %(name)s that nothing else defines, taken literally', async () => {
    const { options } = await echo(
      { 'site.ini': '[app:main]\nuse = file:./m.mjs#echo\nport = %(http_port)s\n' },
      { globalConf: { http_port: '50%(x)s' } },
    );
    expect(options['port']).toBe('50%(x)s');
  });

  it('are named in the message when a %(name)s is missing', async () => {
    const error = await rejection(
      echo({
        'site.ini':
          '[server:x]\nuse = egg:Paste#http\n[app:main]\nuse = file:./m.mjs#echo\nport = %(http_port)s\n',
      }),
    );
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_INTERPOLATION');
    expect(error).toMatchObject({ section: 'app:main', key: 'port', line: 5 });
    expect(error.detail).toContain(
      'nor given on the command line (trowel serve config.ini name=value)',
    );
  });

  it.each([
    ['here', 'is set by trowel'],
    ['__file__', 'is set by trowel'],
    ['bad name', 'is not a variable name'],
  ])('refuse the variable %j', async (name, detail) => {
    const error = await rejection(
      echo(
        { 'site.ini': '[app:main]\nuse = file:./m.mjs#echo\n' },
        { globalConf: { [name]: 'x' } },
      ),
    );
    expect(error).toMatchObject({
      code: 'TROWEL_ERR_DEPLOY_VARIABLE',
      file: 'the command line',
      key: name,
    });
    expect(error.detail).toContain(detail);
  });

  it('fail the load when a [DEFAULT] value cannot be interpolated', async () => {
    const error = await rejection(
      echo({
        'site.ini': '[DEFAULT]\nport = %(http_port)s\n[app:main]\nuse = file:./m.mjs#echo\n',
      }),
    );
    expect(error).toMatchObject({ section: 'DEFAULT', key: 'port', line: 2 });
  });
});

describe('config: references', () => {
  const files = {
    'site.ini':
      '[DEFAULT]\nshared = outer\n[app:main]\nuse = config:apps/wiki.ini#wiki\nset debug = true\nextra = %(here)s\n',
    'apps/wiki.ini':
      '[DEFAULT]\nshared = inner\nown = inner-only\n[app:wiki]\nuse = file:../m.mjs#echo\npath = %(here)s/data\nseen = %(shared)s\n',
  };

  it('resolves the path against the referring file, and interpolates the inner file with its own here', async () => {
    const { options, dir } = await echo(files);
    expect(options).toEqual({ path: `${dir}/apps/data`, seen: 'outer', extra: dir });
  });

  it("gives the inner factory the inner file's here and __file__ (PasteDeploy gave the outer file's)", async () => {
    const { globalConf, dir } = await echo(files);
    expect(globalConf).toMatchObject({ here: `${dir}/apps`, __file__: `${dir}/apps/wiki.ini` });
  });

  it('lets the outer globals and set keys win over the inner [DEFAULT]', async () => {
    const { globalConf } = await echo(files);
    expect(globalConf).toMatchObject({ shared: 'outer', own: 'inner-only', debug: 'true' });
  });

  it('takes config:/absolute paths, and config:FILE without #name as main', async () => {
    const dir = tree({
      'm.mjs': TAG_MODULE,
      'inner.ini': '[app:main]\nuse = file:./m.mjs#echo\nx = 1\n',
    });
    const outer = tree({ 'site.ini': `[app:main]\nuse = config://${dir}/inner.ini\n` });
    const app = await loadApp(`${outer}/site.ini`);
    expect(((await (await get(app)).json()) as Echo).options).toEqual({ x: '1' });
  });

  it('names the referring key when the file is missing', async () => {
    const error = await rejection(echo({ 'site.ini': '[app:main]\nuse = config:nope.ini\n' }));
    expect(error).toMatchObject({
      code: 'TROWEL_ERR_DEPLOY_FILE',
      section: 'app:main',
      key: 'use',
      line: 2,
    });
  });

  it('refuses config: without a path', async () => {
    const error = await rejection(echo({ 'site.ini': '[app:main]\nuse = config:#x\n' }));
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_URI');
  });
});

describe('require', () => {
  it('accepts the distributions trowel stands in for and installed npm packages', async () => {
    const { options } = await echo({
      'site.ini': '[app:main]\nuse = file:./m.mjs#echo\nrequire = Paste WSGIProxy some-lib\n',
      'node_modules/some-lib/package.json': '{"name":"some-lib"}',
    });
    expect(options).toEqual({});
  });

  it('refuses a package that is not installed', async () => {
    const error = await rejection(
      echo({ 'site.ini': '[app:main]\nuse = file:./m.mjs#echo\nrequire = NotThere\n' }),
    );
    expect(error).toMatchObject({ code: 'TROWEL_ERR_DEPLOY_REQUIRE', key: 'require' });
  });

  it('warns that a version is not checked', async () => {
    const warnings: DeployWarning[] = [];
    await echo(
      { 'site.ini': '[app:main]\nuse = file:./m.mjs#echo\nrequire = Paste>=1.7\n' },
      { onWarning: (w) => warnings.push(w) },
    );
    expect(warnings.map((w) => w.code)).toEqual(['TROWEL_WARN_DEPLOY_REQUIRE_VERSION']);
  });
});

describe('sectionKind', () => {
  it.each([
    ['app:main', { kind: 'app', name: 'main' }],
    ['application:x', { kind: 'app', name: 'x' }],
    ['composit: x ', { kind: 'composite', name: 'x' }],
    ['filter-app:f', { kind: 'filter-app', name: 'f' }],
    ['server', { kind: 'server', name: 'main' }],
    ['loggers', undefined],
    ['tool:pytest', undefined],
    ['App:main', undefined],
  ])('reads [%s]', (header, expected) => {
    expect(sectionKind(header)).toEqual(expected);
  });
});
