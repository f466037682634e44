import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from './entry-points.ts';
import { Registry, objectTypeOf, parseEntryPointName, type ObjectType } from './registry.ts';

/** Every entry point of the spec's tables (PasteDeploy spec §4.7, §1.13, §3.1), by object type. */
const SPEC: readonly (readonly [string, ObjectType])[] = [
  ...[
    'cgi',
    'pkg_resources',
    'proxy',
    'static',
    'test',
    'test_slow',
    'transparent_proxy',
    'urlparser',
    'watch_threads',
    'cascade',
    'urlmap',
  ].map((name) => [`egg:Paste#${name}`, 'app'] as const),
  ...[
    'auth_basic',
    'auth_digest',
    'auth_form',
    'auth_cookie',
    'auth_tkt',
    'cgitb',
    'config',
    'cowbell',
    'error_catcher',
    'errordocument',
    'evalerror',
    'flup_session',
    'grantip',
    'gzip',
    'httpexceptions',
    'lint',
    'openid',
    'paste_session',
    'pony',
    'printdebug',
    'profile',
    'recursive',
    'registry',
    'translogger',
    'wdg_validate',
  ].map((name) => [`egg:Paste#${name}`, 'filter'] as const),
  ['egg:Paste#http', 'server'],
  ['egg:PasteDeploy#config', 'filter'],
  ['egg:PasteDeploy#prefix', 'filter'],
  ['egg:PasteScript#test', 'app'],
  ...[
    'cgi',
    'cherrypy',
    'flup_ajp_fork',
    'flup_ajp_thread',
    'flup_fcgi_fork',
    'flup_fcgi_thread',
    'flup_scgi_fork',
    'flup_scgi_thread',
    'twisted',
    'wsgiutils',
  ].map((name) => [`egg:PasteScript#${name}`, 'server'] as const),
  ['egg:WSGIProxy#main', 'app'],
  ['egg:WSGIProxy#main', 'filter'],
  ['egg:WSGIProxy#real_proxy', 'app'],
  ['egg:wsgi_cache#middleware', 'filter'],
  // WSGIProxy's SpawningApplication had no entry point; trowel gives it one.
  ['egg:WSGIProxy#spawn', 'app'],
];

describe('defaultRegistry', () => {
  const registry = defaultRegistry();

  it.each(SPEC)('knows %s as %s', (name, type) => {
    const parsed = parseEntryPointName(name);
    expect(parsed).toBeDefined();
    if (parsed !== undefined) expect(registry.lookup(parsed, type)).toBeDefined();
  });

  it('registers nothing beyond the spec', () => {
    const known = new Set(SPEC.map(([name, type]) => `${name} ${type}`));
    expect(
      [...registry.entries()].filter(({ name, type }) => !known.has(`${name} ${type}`)),
    ).toEqual([]);
  });

  it.each(
    [...registry.entries()]
      .filter(({ entry }) => entry.status === 'available')
      .map(({ name, entry }) => [name, entry]),
  )('loads the factory of the available %s, of the protocol it says', async (_name, entry) => {
    if (entry.status !== 'available') throw new Error('filtered above');
    const factory = await entry.load();
    expect(factory.protocol).toBe(entry.protocol);
    expect(typeof factory.create).toBe('function');
  });

  it('names every entry point in the README', () => {
    const readme = readFileSync(join(import.meta.dirname, 'README.md'), 'utf8');
    const missing = [...registry.entries()]
      .map(({ name }) => name)
      .filter((name) => {
        const short = name.slice(name.indexOf('#'));
        return (
          !readme.includes(name) &&
          !readme.includes(`\`${short}\``) &&
          !readme.includes(name.replace(/#main$/, ''))
        );
      });
    expect(missing).toEqual([]);
  });
});

describe('Registry', () => {
  it('matches distributions in any case and lists names and types', () => {
    const registry = new Registry()
      .register('egg:Dist#a', { status: 'planned', protocol: 'app', capability: 'x' })
      .register('Dist#a', { status: 'planned', protocol: 'filter-app', capability: 'y' })
      .register('egg:Dist', { status: 'unsupported', protocol: 'server-runner', reason: 'no' });
    expect(registry.typesOf({ dist: 'dist', name: 'a' })).toEqual(['app', 'filter']);
    expect(registry.hasDistribution('DIST')).toBe(true);
    expect(registry.hasDistribution('other')).toBe(false);
    expect(registry.namesOf('dist')).toEqual(['a', 'main']);
    expect([...registry.entries()].map(({ name, type }) => `${name} ${type}`)).toEqual([
      'egg:Dist#a app',
      'egg:Dist#a filter',
      'egg:Dist#main server',
    ]);
  });

  it('replaces the entry of the same name and type', () => {
    const registry = new Registry()
      .register('egg:D#a', { status: 'planned', protocol: 'app', capability: 'x' })
      .register('egg:D#a', { status: 'unsupported', protocol: 'composite', reason: 'r' });
    expect(registry.lookup({ dist: 'D', name: 'a' }, 'app')?.status).toBe('unsupported');
  });

  it.each(['egg:', 'egg:#x', 'egg:a b#c', 'egg:D#'])('refuses the name %j', (name) => {
    expect(() =>
      new Registry().register(name, { status: 'planned', protocol: 'app', capability: 'x' }),
    ).toThrow(TypeError);
  });

  it.each([
    ['app', 'app'],
    ['composite', 'app'],
    ['filter', 'filter'],
    ['filter-app', 'filter'],
    ['server', 'server'],
    ['server-runner', 'server'],
  ] as const)('builds a %s factory into a %s', (protocol, type) => {
    expect(objectTypeOf(protocol)).toBe(type);
  });
});
