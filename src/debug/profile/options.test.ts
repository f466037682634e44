import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../core/config-error.ts';
import { profile } from './middleware.ts';
import { resolveProfileOptions } from './options.ts';

describe('profile() options', () => {
  it('applies the defaults', () => {
    expect(resolveProfileOptions({})).toEqual({
      sampleInterval: 100,
      limit: 40,
      dir: join(tmpdir(), 'trowel-profiles'),
      when: undefined,
      append: true,
      header: true,
      maxDuration: 30_000,
      htmlLimit: 10 * 1024 * 1024,
      allowRemote: false,
    });
  });

  it('resolves a relative dir against the working directory', () => {
    expect(resolveProfileOptions({ dir: 'profiles' }).dir).toBe(resolve('profiles'));
  });

  it.each<[string, unknown]>([
    ['sampleInterval', 0],
    ['sampleInterval', 1.5],
    ['sampleInterval', '100'],
    ['limit', 0],
    ['limit', Number.NaN],
    ['dir', ''],
    ['dir', 'a\0b'],
    ['dir', 42],
    ['when', 'GET'],
    ['append', 'yes'],
    ['header', 1],
    ['maxDuration', 0],
    ['htmlLimit', -1],
    ['allowRemote', 'true'],
  ])('refuses %s = %j with TROWEL_ERR_PROFILE_OPTIONS when built', (name, value) => {
    const build = (): unknown => profile({ [name]: value });
    expect(build).toThrow(expect.objectContaining({ code: 'TROWEL_ERR_PROFILE_OPTIONS' }));
    try {
      build();
    } catch (error) {
      expect(isConfigError(error) && error.message).toContain(name);
    }
  });
});
