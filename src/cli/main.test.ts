import { describe, expect, it } from 'vitest';
import { ENTRY_POINTS_HELP, MAIN_HELP, SERVE_HELP } from './args.ts';
import { main } from './main.ts';
import type { Output } from './serve.ts';

async function run(
  ...argv: string[]
): Promise<{ status: number | undefined; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Output = {
    out: (text) => (out += `${text}\n`),
    err: (text) => (err += `${text}\n`),
  };
  const status = await main(argv, io);
  return { status, out, err };
}

describe('trowel', () => {
  it.each([
    [['--help'], MAIN_HELP],
    [['-h'], MAIN_HELP],
    [['help'], MAIN_HELP],
    [['help', 'serve'], SERVE_HELP],
    [['help', 'entry-points'], ENTRY_POINTS_HELP],
    [['serve', '--help'], SERVE_HELP],
    [['serve', 'site.ini', '-h'], SERVE_HELP],
    [['entry-points', '--help'], ENTRY_POINTS_HELP],
  ])('shows help for %j', async (argv, text) => {
    expect(await run(...argv)).toEqual({ status: 0, out: `${text}\n`, err: '' });
  });

  it('shows the version', async () => {
    const { status, out } = await run('--version');
    expect(status).toBe(0);
    expect(out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.each([
    [[], MAIN_HELP],
    [['frobnicate'], 'trowel: unknown command "frobnicate" (see trowel --help)'],
    [['help', 'frobnicate'], 'trowel help: no command "frobnicate" (see trowel --help)'],
    [
      ['serve', '--prot', '80'],
      'trowel serve: unknown option --prot (did you mean --port?)\n(see trowel serve --help)',
    ],
    [['entry-points', 'extra'], 'trowel entry-points: unexpected "extra"'],
    [
      ['entry-points', '--status', 'maybe'],
      'trowel entry-points: --status must be available, planned or unsupported',
    ],
  ])('exits 2 for %j', async (argv, message) => {
    const result = await run(...argv);
    expect(result.status).toBe(2);
    expect(result.out).toBe('');
    expect(result.err.startsWith(message)).toBe(true);
  });

  it('lists the entry points with their status and capability', async () => {
    const { status, out } = await run('entry-points');
    expect(status).toBe(0);
    expect(out).toMatch(/^egg:Paste#http +server +available +trowel\/server$/m);
    expect(out).toMatch(/^egg:Paste#proxy +app +available +trowel\/proxy$/m);
    expect(out).toMatch(/^egg:wsgi_cache#middleware +filter +available +trowel\/disk-cache$/m);
    expect(out).toMatch(/^egg:Paste#pony +filter +unsupported +it is a joke filter$/m);
  });

  it('lists only the entry points of one status', async () => {
    const { out } = await run('entry-points', '--status', 'unsupported');
    expect(
      out
        .trim()
        .split('\n')
        .every((line) => line.includes(' unsupported ')),
    ).toBe(true);
  });
});
