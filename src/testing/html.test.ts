import { describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { parseHtml, requireCheerio, select } from './html.ts';

describe('requireCheerio', () => {
  it('loads cheerio when it is installed', () => {
    expect(typeof requireCheerio().load).toBe('function');
  });

  it('says what to install when cheerio is missing', () => {
    const missing = (id: string): never => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    let error: unknown;
    try {
      requireCheerio(missing);
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error) && error.code).toBe('TROWEL_ERR_TESTING_NO_CHEERIO');
    expect((error as Error).message).toContain('npm install --save-dev cheerio');
  });

  it('lets any other loading error through', () => {
    const broken = (): never => {
      throw new SyntaxError('bad module');
    };
    expect(() => requireCheerio(broken)).toThrow(SyntaxError);
  });
});

describe('select', () => {
  it('gives the matching elements in document order', () => {
    const $ = parseHtml('<p id="a"></p><div><p id="b"></p></div>');
    expect(select($, 'p').map((el) => el.attribs['id'])).toEqual(['a', 'b']);
  });
});
