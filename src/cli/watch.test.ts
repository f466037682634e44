import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFile, describeEvent } from './watch.ts';

const here = (path: string): string => join(process.cwd(), path);

describe('configFile', () => {
  it.each([
    ['site.ini', here('site.ini')],
    ['conf/site.ini#api', here('conf/site.ini')],
    ['config:site.ini#main', here('site.ini')],
    ['/etc/trowel/site.ini', '/etc/trowel/site.ini'],
    ['dir#1/site.ini', here('dir#1/site.ini')],
  ])('reads %j as %j', (given, path) => {
    expect(configFile(given)).toBe(path);
  });
});

describe('describeEvent', () => {
  it.each([
    [{ type: 'change', paths: [here('app.ts')] }, { err: 'trowel: app.ts changed; restarting' }],
    [
      { type: 'change', paths: [here('a.ts'), here('b.ts'), '/elsewhere/c.ts'] },
      { err: 'trowel: a.ts and 2 more changed; restarting' },
    ],
    [
      { type: 'serving', generation: 2, url: 'http://127.0.0.1:8080', pids: [41] },
      {
        out: `trowel: serving site.ini on http://127.0.0.1:8080/ (pid ${process.pid}, worker 41)`,
      },
    ],
    [
      { type: 'serving', generation: 1, url: 'https://[::1]:4443', pids: [41, 42] },
      {
        out: `trowel: serving site.ini on https://[::1]:4443/ (pid ${process.pid}, workers 41, 42)`,
      },
    ],
    [
      { type: 'failed', pid: 41, code: 2, signal: null, serving: true },
      { err: 'trowel: waiting for a change to restart (the previous version keeps serving)' },
    ],
    [
      { type: 'failed', pid: 41, code: null, signal: 'SIGKILL', serving: false },
      {
        err: 'trowel: the new worker 41 exited (signal SIGKILL)\ntrowel: waiting for a change to restart',
      },
    ],
    [
      { type: 'address', kept: ['127.0.0.1:8080'], wanted: ['127.0.0.1:9090'] },
      {
        err: 'trowel: the new version listens on 127.0.0.1:9090, but --reload keeps the socket it opened on 127.0.0.1:8080; restart trowel serve by hand to move it (the previous version keeps serving)',
      },
    ],
    [
      { type: 'exit', pid: 41, code: 7, signal: null },
      { err: 'trowel: worker 41 exited (status 7); waiting for a change to restart' },
    ],
  ] as const)('describes %j', (event, lines) => {
    expect(describeEvent(event, here('site.ini'))).toEqual(lines);
  });
});
