import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeployError } from './errors.ts';
import { interpolate, type Variable } from './interpolate.ts';

const where = { file: '/x/site.ini', section: 'app:main', key: 'k', line: 3 };

function vars(values: Record<string, string | Variable>): (name: string) => Variable | undefined {
  return (name) => {
    const value = values[name];
    if (value === undefined) return undefined;
    return typeof value === 'string'
      ? { raw: value, where: { file: '/x/site.ini', key: name } }
      : value;
  };
}

function failure(raw: string, values: Record<string, string> = {}): DeployError {
  try {
    interpolate(raw, where, vars(values), ' (hint)');
  } catch (error) {
    return error as DeployError;
  }
  throw new Error('interpolated without an error');
}

describe('interpolate', () => {
  it.each([
    ['%(here)s/htdocs', '/srv/htdocs'],
    ['%(a)s%(b)s', '12'],
    ['100%%', '100%'],
    ['%%(here)s', '%(here)s'],
    ['http://x/%7Efoo', 'http://x/%7Efoo'],
    ['50% off', '50% off'],
    ['trailing %', 'trailing %'],
    ['no references', 'no references'],
  ])('expands %j to %j', (raw, expected) => {
    expect(interpolate(raw, where, vars({ here: '/srv', a: '1', b: '2' }))).toBe(expected);
  });

  it('expands references inside referenced values', () => {
    expect(interpolate('%(outer)s', where, vars({ outer: '[%(inner)s]', inner: 'x' }))).toBe('[x]');
  });

  it('leaves literal variables as they are', () => {
    const literal = { raw: '%(nope)s', where, interpolate: false };
    expect(interpolate('%(v)s', where, vars({ v: literal }))).toBe('%(nope)s');
  });

  it('names the missing variable, the place and the hint', () => {
    const error = failure('port = %(http_port)s');
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_INTERPOLATION');
    expect(error.message).toBe(
      '/x/site.ini:3 [app:main] k: %(http_port)s names nothing: "http_port" is not set in this section or in [DEFAULT] (hint)',
    );
  });

  it('says through which value a missing variable was reached', () => {
    const error = failure('%(a)s', { a: 'x%(b)s' });
    expect(error.detail).toContain('%(b)s (through %(a)s) names nothing');
    expect(error.detail).toContain('in the value of %(a)s');
  });

  it.each([
    ['%(a)s', { a: '%(a)s' }],
    ['%(a)s', { a: '%(b)s', b: '%(a)s' }],
  ])('reports the loop in %j', (raw, values) => {
    expect(failure(raw, values).detail).toMatch(/refers back to itself: a → (b → )?a/);
  });

  it.each(['%(name)d', '%(unclosed', '%()s'])('rejects the malformed reference %j', (raw) => {
    expect(failure(raw).detail).toContain('is not a reference');
  });

  it('keeps any text without "%(" as it is, apart from %% becoming %', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ab%)s $'.split('')) }), (text) => {
        const result = interpolate(text, where, () => undefined);
        expect(result).toBe(text.replace(/%%/g, '%'));
      }),
    );
  });
});
