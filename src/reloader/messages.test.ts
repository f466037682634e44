import { describe, expect, it } from 'vitest';
import { isClosedMessage, isWorkerMessage } from './messages.ts';

describe('isWorkerMessage', () => {
  it.each([
    [{ trowel: 'reloader-files', files: [] }, true],
    [{ trowel: 'reloader-files', files: [{ path: '/a.ts', mtime: 1 }, { path: '/b.ts' }] }, true],
    [{ trowel: 'reloader-files', files: [{ path: 1 }] }, false],
    [{ trowel: 'reloader-files', files: [{ path: '/a.ts', mtime: '1' }] }, false],
    [{ trowel: 'reloader-files', files: [null] }, false],
    [{ trowel: 'reloader-files' }, false],
    [{ trowel: 'reloader-ready', url: 'http://127.0.0.1:8080' }, true],
    [{ trowel: 'reloader-ready' }, false],
    [{ trowel: 'reloader-closing' }, true],
    [{ trowel: 'reloader-closed' }, false],
    [{ trowel: 'close', timeout: 1 }, false],
    ['reloader-ready', false],
    [null, false],
  ])('tells whether %j is a worker message', (value, expected) => {
    expect(isWorkerMessage(value)).toBe(expected);
  });
});

describe('isClosedMessage', () => {
  it.each([
    [{ trowel: 'reloader-closed' }, true],
    [{ trowel: 'reloader-closing' }, false],
    [{}, false],
    [undefined, false],
  ])('tells whether %j is the primary’s answer', (value, expected) => {
    expect(isClosedMessage(value)).toBe(expected);
  });
});
