import { describe, expect, it } from 'vitest';
import { scratch, trowel } from './helpers.ts';

describe('trowel --help, through the launcher', () => {
  it.each([
    [['--help'], 'Usage: trowel <command> [options]'],
    [['serve', '--help'], 'Usage: trowel serve [options] [config.ini[#app]] [name=value ...]'],
    [['help', 'serve'], 'Usage: trowel serve'],
    [['entry-points', '-h'], 'Usage: trowel entry-points'],
  ])('trowel %j prints its usage and exits 0', async (args, usage) => {
    const result = await trowel(scratch(), args);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.startsWith(usage)).toBe(true);
  });

  it('exits 2 for an unknown option, without a stack trace', async () => {
    const result = await trowel(scratch(), ['serve', '--prot', '80'], { expectError: true });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      'trowel serve: unknown option --prot (did you mean --port?)\n(see trowel serve --help)\n',
    );
  });
});
