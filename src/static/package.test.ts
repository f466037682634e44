import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../core/index.ts';
import { TestApp } from '../testing/index.ts';
import { fill, scratch } from '../../test/static/tree.ts';
import { packageDirectory, staticPackage } from './index.ts';

/** An app directory with two installed packages, one scoped and one without package exports. */
function app(): string {
  const dir = scratch();
  fill(dir, {
    'package.json': '{"name":"app"}',
    'src/main.js': '',
    'node_modules/ui-kit/package.json': '{"name":"ui-kit","exports":{".":"./index.js"}}',
    'node_modules/ui-kit/index.js': 'export {};',
    'node_modules/ui-kit/dist/kit.css': '.kit{}',
    'node_modules/ui-kit/dist/index.html': '<p>kit</p>',
    'node_modules/ui-kit/.npmrc': 'secret',
    'node_modules/@acme/icons/package.json': '{"name":"@acme/icons"}',
    'node_modules/@acme/icons/svg/star.svg': '<svg/>',
    'node_modules/ui-kit/escape': { symlink: '..' },
  });
  return dir;
}

function code(build: () => unknown): string | undefined {
  try {
    build();
  } catch (error) {
    return isConfigError(error) ? error.code : 'other';
  }
  return undefined;
}

describe('staticPackage()', () => {
  it('serves the files of a package found from a directory', async () => {
    const dir = app();
    const client = new TestApp(staticPackage('ui-kit', { from: `${dir}/` }));
    expect((await client.get('/dist/kit.css')).text).toBe('.kit{}');
    expect((await client.get('/package.json')).status).toBe(200);
  });

  it('serves a subdirectory, with its index file', async () => {
    const dir = app();
    const client = new TestApp(staticPackage('ui-kit', { from: `${dir}/`, subdir: 'dist' }));
    expect((await client.get('/')).text).toBe('<p>kit</p>');
    await client.get('/index.js', { status: 404 });
  });

  it('finds a scoped package from a module URL deeper in the tree', async () => {
    const dir = app();
    const from = pathToFileURL(join(dir, 'src/main.js'));
    const client = new TestApp(staticPackage('@acme/icons', { from, subdir: 'svg' }));
    expect((await client.get('/star.svg')).headers.get('content-type')).toBe(
      'image/svg+xml; charset=utf-8',
    );
  });

  it('finds a package from a file path', () => {
    const dir = app();
    expect(packageDirectory('ui-kit', join(dir, 'src/main.js'))).toBe(
      join(dir, 'node_modules/ui-kit'),
    );
  });

  it('keeps the protections of staticFiles: dotfiles are refused', async () => {
    const client = new TestApp(staticPackage('ui-kit', { from: `${app()}/` }));
    await client.get('/.npmrc', { status: 404 });
  });

  it('finds an installed package from the working directory by default', () => {
    expect(packageDirectory('mime')).toBe(join(process.cwd(), 'node_modules/mime'));
  });

  it.each([
    ['a package that is not installed', () => staticPackage('no-such-package-here', { from: '/' })],
    ['a name with dot-dot', () => staticPackage('../etc', { from: '/' })],
    ['a name with upper case', () => staticPackage('UiKit', { from: '/' })],
    [
      'a subdir out of the package',
      () => staticPackage('ui-kit', { from: `${app()}/`, subdir: '../..' }),
    ],
    [
      'a subdir through a symlink out of it',
      () => staticPackage('ui-kit', { from: `${app()}/`, subdir: 'escape' }),
    ],
    [
      'a subdir that does not exist',
      () => staticPackage('ui-kit', { from: `${app()}/`, subdir: 'nope' }),
    ],
    [
      'a subdir that is not a string',
      () => staticPackage('ui-kit', { from: `${app()}/`, subdir: 3 as unknown as string }),
    ],
  ])('refuses %s with TROWEL_ERR_STATIC_PACKAGE', (_what, build) => {
    expect(code(build)).toBe('TROWEL_ERR_STATIC_PACKAGE');
  });
});
