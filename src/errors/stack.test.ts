import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLibraryFile, parseFrame, parseStack } from './stack.ts';

describe('parseFrame()', () => {
  it.each([
    ['at save (/srv/app/orders.js:10:5)', 'save', '/srv/app/orders.js', 10, 5, false, false],
    ['at /srv/app/orders.js:10:5', undefined, '/srv/app/orders.js', 10, 5, false, false],
    ['at file:///srv/my%20app/a.mjs:3:7', undefined, '/srv/my app/a.mjs', 3, 7, false, false],
    [
      'at async Shop.checkout (file:///srv/a.mjs:3:7)',
      'Shop.checkout',
      '/srv/a.mjs',
      3,
      7,
      true,
      false,
    ],
    ['at async file:///srv/a.mjs:4:1', undefined, '/srv/a.mjs', 4, 1, true, false],
    ['at new Order (/srv/order.js:2:9)', 'Order', '/srv/order.js', 2, 9, false, true],
    [
      'at Object.<anonymous> (/srv/x.js:1:1)',
      'Object.<anonymous>',
      '/srv/x.js',
      1,
      1,
      false,
      false,
    ],
    ['at fn [as handle] (/srv/x.js:5:2)', 'fn [as handle]', '/srv/x.js', 5, 2, false, false],
    [
      'at run (node:internal/process/task_queues:95:5)',
      'run',
      'node:internal/process/task_queues',
      95,
      5,
      false,
      false,
    ],
    ['at C:\\app\\x.js:5:2', undefined, 'C:\\app\\x.js', 5, 2, false, false],
    ['at weird (/srv/(paren)/x.js:5:2)', 'weird', '/srv/(paren)/x.js', 5, 2, false, false],
  ])('parses %j', (line, fn, file, lineNo, column, isAsync, construct) => {
    expect(parseFrame(line)).toEqual({
      function: fn,
      file,
      line: lineNo,
      column,
      async: isAsync,
      construct,
      native: false,
      raw: line,
    });
  });

  it.each([
    'at Array.map (<anonymous>)',
    'at async Promise.all (index 0)',
    'at JSON.parse (native)',
    'at eval (eval at run (/srv/x.js:1:1), <anonymous>:1:7)',
  ])('gives %j no file', (line) => {
    expect(parseFrame(line)).toMatchObject({ file: undefined, line: undefined, native: true });
  });
});

describe('parseStack()', () => {
  it('reads the frames after a message of several lines', () => {
    const stack = 'Error: first line\nsecond line\n    at a (/x.js:1:1)\n    at b (/x.js:2:2)';
    expect(parseStack(stack).map((frame) => frame.function)).toEqual(['a', 'b']);
  });

  it('skips frame-shaped lines in the message when the header is known', () => {
    const message = 'bad input\n    at evil (/etc/shadow:1:1)';
    const stack = `Error: ${message}\n    at real (/srv/x.js:1:1)`;
    expect(parseStack(stack, `Error: ${message}`).map((frame) => frame.file)).toEqual([
      '/srv/x.js',
    ]);
  });

  it('parses a real V8 stack', () => {
    const [top] = parseStack(new Error('here').stack ?? '');
    expect(top?.file).toMatch(/stack\.test\.ts$/);
    expect(top?.line).toBeGreaterThan(0);
  });

  it('keeps every frame line, whatever it holds', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^\S[^\n\r]*$/)), (lines) => {
        const stack = ['Error: x', ...lines.map((line) => `    at ${line}`)].join('\n');
        expect(parseStack(stack).map((frame) => frame.raw)).toEqual(
          lines.map((line) => `at ${line}`.trim()),
        );
      }),
    );
  });
});

describe('isLibraryFile()', () => {
  it.each([
    ['/srv/app/x.js', false],
    ['C:\\app\\x.js', false],
    ['/srv/app/node_modules/pkg/x.js', true],
    ['node:internal/x', true],
    ['evalmachine.<anonymous>', true],
    [undefined, true],
  ])('says %j is a library file: %s', (file, expected) => {
    expect(isLibraryFile(file)).toBe(expected);
  });
});
