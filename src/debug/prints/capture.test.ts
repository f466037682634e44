import { format } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Capture, capturing } from './capture.ts';

// What reaches the console underneath the wrapper: recorded here, and still printed. It must be in
// place before the first capture of this file wraps `console.info`.
const reachedConsole: string[] = [];
const realInfo = console.info.bind(console);
Object.defineProperty(console, 'info', {
  value: (...args: unknown[]) => {
    reachedConsole.push(format(...args));
    realInfo(...args);
  },
  writable: true,
  configurable: true,
});

const capture = (fn: () => void, tee = false, limit = 10_000): Capture => {
  const into = new Capture(tee, limit);
  capturing(into, fn);
  return into;
};

describe('console capture', () => {
  it('formats a call as the console would', () => {
    const got = capture(() => {
      console.log('%s is %d', 'x', 5, { a: [1] });
    });
    expect(got.text).toBe(`${format('%s is %d', 'x', 5, { a: [1] })}\n`);
  });

  it('keeps stdout and stderr output apart, in order', () => {
    const got = capture(() => {
      console.log('one');
      console.warn('two');
      console.error('three');
      console.debug('four');
    });
    expect(got.entries).toEqual([
      { stream: 'stdout', text: 'one\n' },
      { stream: 'stderr', text: 'two\nthree\n' },
      { stream: 'stdout', text: 'four\n' },
    ]);
  });

  it.each<[string, () => void, RegExp]>([
    [
      'table',
      () => {
        console.table([{ a: 1 }]);
      },
      /┌.*\n.*│ a │/s,
    ],
    [
      'dir',
      () => {
        console.dir({ deep: { er: { est: 1 } } }, { depth: 0 });
      },
      /^\{ deep: \[Object\] \}\n$/,
    ],
    [
      'trace',
      () => {
        console.trace('here');
      },
      /^Trace: here\n\s+at /,
    ],
    [
      'assert',
      () => {
        console.assert(false, 'bad');
      },
      /^Assertion failed: bad\n$/,
    ],
    [
      'dirxml',
      () => {
        console.dirxml('x');
      },
      /^x\n$/,
    ],
  ])('captures console.%s', (_, call, expected) => {
    expect(capture(call).text).toMatch(expected);
  });

  it('indents grouped output, the group depth belonging to the capture', () => {
    const first = capture(() => {
      console.group('outer');
      console.log('inside');
    });
    const second = capture(() => {
      console.log('top level');
      console.groupCollapsed('c');
      console.groupEnd();
      console.log('after');
    });
    expect(first.text).toBe('outer\n  inside\n');
    expect(second.text).toBe('top level\nc\nafter\n');
  });

  it('keeps each asynchronous continuation in its own capture', async () => {
    const a = new Capture(false, 1000);
    const b = new Capture(false, 1000);
    const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    await Promise.all([
      capturing(a, async () => {
        console.log('a1');
        await tick();
        console.log('a2');
      }),
      capturing(b, async () => {
        console.log('b1');
        await tick();
        console.log('b2');
      }),
    ]);
    expect([a.text, b.text]).toEqual(['a1\na2\n', 'b1\nb2\n']);
  });

  it('passes output made outside a capture to the console only', () => {
    const got = capture(() => undefined);
    reachedConsole.length = 0;
    console.info('outside');
    expect(reachedConsole).toEqual(['outside']);
    expect(got.text).toBe('');
  });

  it('also writes to the console with tee', () => {
    reachedConsole.length = 0;
    const got = capture(() => {
      console.info('both');
    }, true);
    expect(reachedConsole).toEqual(['both']);
    expect(got.text).toBe('both\n');
  });

  it('keeps output from the console without tee', () => {
    reachedConsole.length = 0;
    capture(() => {
      console.info('page only');
    });
    expect(reachedConsole).toEqual([]);
  });

  it('sends output made after close to the console only, tee or not', () => {
    const got = new Capture(false, 1000);
    const late = capturing(got, () => () => {
      console.info('late');
    });
    got.close();
    reachedConsole.length = 0;
    late();
    expect(reachedConsole).toEqual(['late']);
    expect(got.text).toBe('');
  });

  it('keeps at most the limit and counts the rest', () => {
    const got = capture(
      () => {
        console.log('12345');
        console.error('67890');
      },
      false,
      8,
    );
    expect(got.entries).toEqual([
      { stream: 'stdout', text: '12345\n' },
      { stream: 'stderr', text: '67' },
    ]);
    expect(got.dropped).toBe(4);
  });
});
