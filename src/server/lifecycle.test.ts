import { describe, expect, it } from 'vitest';
import { createLifecycle } from './lifecycle.ts';

describe('createLifecycle()', () => {
  it('runs a function registered twice twice, and each unregister removes one registration', async () => {
    const reports: unknown[] = [];
    const { lifecycle, runHooks } = createLifecycle((error) => reports.push(error));
    let runs = 0;
    const hook = (): void => {
      runs++;
    };
    const first = lifecycle.onClose(hook);
    lifecycle.onClose(hook);
    first();
    await runHooks();
    expect(runs).toBe(1);
    expect(reports).toEqual([]);
  });

  it('waits for each hook before starting the next', async () => {
    const { lifecycle, runHooks } = createLifecycle();
    const events: string[] = [];
    lifecycle.onClose(() => {
      events.push('second');
    });
    lifecycle.onClose(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      events.push('first');
    });
    await runHooks();
    expect(events).toEqual(['first', 'second']);
  });

  it('passes what a hook threw or rejected with to report, and a throwing report stops nothing', async () => {
    const reports: unknown[] = [];
    const { lifecycle, runHooks } = createLifecycle((error) => {
      reports.push(error);
      throw new Error('the log is broken');
    });
    let ran = false;
    lifecycle.onClose(() => {
      ran = true;
    });
    lifecycle.onClose(() => Promise.reject(new Error('rejected')));
    lifecycle.onClose(() => {
      throw new Error('thrown');
    });
    await expect(runHooks()).resolves.toBeUndefined();
    expect(reports).toEqual([new Error('thrown'), new Error('rejected')]);
    expect(ran).toBe(true);
  });

  it('does not run a hook registered while the hooks run', async () => {
    const { lifecycle, runHooks } = createLifecycle();
    let late = false;
    lifecycle.onClose(() => {
      lifecycle.onClose(() => {
        late = true;
      });
    });
    await runHooks();
    expect(late).toBe(false);
  });

  it('runs the hooks only once', async () => {
    const { lifecycle, runHooks } = createLifecycle();
    let runs = 0;
    lifecycle.onClose(() => {
      runs++;
    });
    await runHooks();
    await runHooks();
    expect(runs).toBe(1);
  });

  it('reports a hook still running at its deadline and runs the next one', async () => {
    const reports: unknown[] = [];
    const { lifecycle, runHooks } = createLifecycle((error) => reports.push(error), 50);
    let next = false;
    lifecycle.onClose(() => {
      next = true;
    });
    lifecycle.onClose(() => new Promise<void>(() => undefined));
    const started = performance.now();
    await runHooks();
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(next).toBe(true);
    expect(reports).toHaveLength(1);
    expect(String(reports[0])).toMatch(/did not finish within 50 ms/);
  });

  it('gives each hook its own deadline', async () => {
    const reports: unknown[] = [];
    const { lifecycle, runHooks } = createLifecycle((error) => reports.push(error), 80);
    const slow = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));
    lifecycle.onClose(slow);
    lifecycle.onClose(slow);
    await runHooks();
    expect(reports).toEqual([]);
  });

  it.each([0, -1, 1.5, 2 ** 31, Number.NaN])(
    'throws a RangeError for a hookTimeout of %p',
    (ms) => {
      expect(() => createLifecycle(undefined, ms)).toThrow(RangeError);
    },
  );

  it.each([undefined, null, 'close', {}])('throws a TypeError for the hook %p', (hook) => {
    const { lifecycle } = createLifecycle();
    expect(() => lifecycle.onClose(hook as never)).toThrow(TypeError);
  });
});
