import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../core/config-error.ts';
import { loadValidator } from './load.ts';

function codeOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return isConfigError(error) ? error.code : error;
  }
  return undefined;
}

describe('loadValidator()', () => {
  it('says how to install html-validate when it is missing', () => {
    const missing = (name: string): never => {
      throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
    };
    let error: unknown;
    try {
      loadValidator({}, missing);
    } catch (caught) {
      error = caught;
    }
    expect(isConfigError(error) && error.code).toBe('TROWEL_ERR_VALIDATE_PEER');
    expect((error as Error).message).toContain('npm install --save-dev html-validate');
  });

  it('lets another failure to load through as it is', () => {
    const broken = new SyntaxError('Unexpected token');
    expect(
      codeOf(() =>
        loadValidator({}, () => {
          throw broken;
        }),
      ),
    ).toBe(broken);
  });

  it('gives a validator that reports what html-validate finds', async () => {
    const validator = loadValidator({ extends: ['html-validate:standard'] });
    const report = await validator.validateString('<p id="a" id="a">x</p>', 'response.html');
    expect(report.results.flatMap((r) => r.messages.map((m) => m.ruleId))).toEqual(['no-dup-attr']);
  });
});
