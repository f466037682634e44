import { spawn as spawnProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BACKEND, PYTHON, collector, delay, isGone, waitFor } from './helpers.fixture.ts';
import type { SupervisorOptions } from './options.ts';
import { backoffDelay, Supervisor } from './supervisor.ts';

const made: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((s) => s.close()));
});

function supervise(options: Partial<SupervisorOptions> = {}): {
  readonly supervisor: Supervisor;
  readonly lines: string[];
} {
  const { lines, output } = collector();
  const supervisor = new Supervisor({ command: BACKEND, output, stopTimeout: 2_000, ...options });
  made.push(supervisor);
  return { supervisor, lines };
}

async function acquireOk(supervisor: Supervisor): Promise<{ port: number; release: () => void }> {
  const use = await supervisor.acquire();
  if (!use.ok) throw new Error(`acquire failed: ${use.reason}`);
  return use;
}

async function get(port: number, path: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${String(port)}${path}`);
  return response.text();
}

const foreign: Server[] = [];
afterEach(() => {
  for (const server of foreign.splice(0)) server.close();
});

/** A listener of this process (not the child's) on `port`, 0 for any. */
async function listenHere(port = 0): Promise<number> {
  const server = createServer((socket) => {
    // The probe hangs up at once; a reset is no error here.
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nforeign');
  });
  foreign.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('Supervisor and a port another process holds', () => {
  it('refuses to start on a fixed port that something already answers on', async () => {
    const port = await listenHere();
    const { supervisor, lines } = supervise({ port });
    const use = await supervisor.acquire();
    expect(use).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(lines).toContain(
      `spawn: 127.0.0.1:${String(port)} is already in use by another process; not starting`,
    );
    expect(lines.some((line) => line.startsWith('spawn: started'))).toBe(false);
    expect(supervisor.state).toBe('stopped');
  });

  it("fails the start when the port that answers is not the child's", async () => {
    // The child never listens; as soon as it has started, this process takes its port.
    const { lines, output } = collector();
    const supervisor = new Supervisor({
      command: BACKEND,
      env: { BACKEND_NEVER_LISTEN: '1' },
      stopTimeout: 2_000,
      output: (line, stream) => {
        output(line, stream);
        const started = /^spawn: started on 127\.0\.0\.1:(\d+)$/.exec(line);
        if (started !== null) void listenHere(Number(started[1]));
      },
    });
    made.push(supervisor);
    const use = await supervisor.acquire();
    expect(use).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(lines.some((line) => line.includes("outside the child's process group"))).toBe(true);
    await waitFor(() => supervisor.state === 'stopped', 'the child to be stopped');
  });
});

describe('Supervisor', () => {
  it('starts nothing before the first acquire', async () => {
    const { supervisor } = supervise();
    await delay(100);
    expect(supervisor.state).toBe('stopped');
    expect(supervisor.pid).toBeUndefined();
    expect(supervisor.port).toBeUndefined();
  });

  it('starts the child on the first acquire and answers once it listens', async () => {
    const { supervisor } = supervise({ command: PYTHON });
    const use = await acquireOk(supervisor);
    expect(supervisor.state).toBe('running');
    const response = await fetch(`http://127.0.0.1:${String(use.port)}/`);
    expect(response.status).toBe(200);
    await response.text();
    use.release();
  });

  it('starts one child for 20 concurrent first acquires', async () => {
    const { supervisor, lines } = supervise();
    const uses = await Promise.all(Array.from({ length: 20 }, () => acquireOk(supervisor)));
    const pids = await Promise.all(uses.map((use) => get(use.port, '/pid')));
    expect(new Set(pids).size).toBe(1);
    expect(lines.filter((line) => line.startsWith('spawn: started')).length).toBe(1);
    expect(supervisor.inFlight).toBe(20);
    for (const use of uses) use.release();
    expect(supervisor.inFlight).toBe(0);
  });

  it('counts a use only once however often it is released', async () => {
    const { supervisor } = supervise();
    const first = await acquireOk(supervisor);
    await acquireOk(supervisor);
    first.release();
    first.release();
    expect(supervisor.inFlight).toBe(1);
  });

  it('substitutes the port in the arguments and sets the port variable', async () => {
    const { supervisor } = supervise({
      command: [...BACKEND.slice(0, -1), '__PORT__'],
      portEnv: 'APP_PORT',
    });
    const use = await acquireOk(supervisor);
    const env = JSON.parse(await get(use.port, '/env')) as Record<string, string>;
    expect(env['APP_PORT']).toBe(String(use.port));
    expect(env['PORT']).toBeUndefined();
  });

  it('passes only the allow-listed environment plus env', async () => {
    process.env['TROWEL_SPAWN_SECRET'] = 'hidden';
    try {
      const { supervisor } = supervise({ env: { GREETING: 'hi' }, inheritEnv: ['PATH'] });
      const use = await acquireOk(supervisor);
      const env = JSON.parse(await get(use.port, '/env')) as Record<string, string>;
      expect(env['GREETING']).toBe('hi');
      expect(env['PATH']).toBe(process.env['PATH']);
      expect(env['TROWEL_SPAWN_SECRET']).toBeUndefined();
      expect(env['HOME']).toBeUndefined();
    } finally {
      delete process.env['TROWEL_SPAWN_SECRET'];
    }
  });

  it('uses a fixed port when given one', async () => {
    const { supervisor: probe } = supervise();
    const free = (await acquireOk(probe)).port;
    await probe.close();
    const { supervisor } = supervise({ port: free });
    const use = await acquireOk(supervisor);
    expect(use.port).toBe(free);
    expect(supervisor.port).toBe(free);
  });

  it('waits for an HTTP readiness path to answer below 500', async () => {
    const { supervisor } = supervise({
      env: { BACKEND_HEALTHY_AFTER: '300' },
      ready: { path: '/health' },
    });
    const use = await acquireOk(supervisor);
    const response = await fetch(`http://127.0.0.1:${String(use.port)}/health`);
    expect(response.status).toBe(200);
  });

  it('stops the child once idle for idleTimeout', async () => {
    const { supervisor, lines } = supervise({ idleTimeout: 200 });
    const use = await acquireOk(supervisor);
    const pid = supervisor.pid!;
    use.release();
    await waitFor(() => supervisor.state === 'stopped', 'the idle stop');
    expect(isGone(pid)).toBe(true);
    expect(supervisor.pid).toBeUndefined();
    expect(lines.some((line) => line.includes('stopping (idle for'))).toBe(true);
  });

  it('does not stop a child while a use is held past idleTimeout', async () => {
    const { supervisor } = supervise({ idleTimeout: 100 });
    const use = await acquireOk(supervisor);
    const pid = supervisor.pid!;
    await delay(500);
    expect(supervisor.state).toBe('running');
    expect(isGone(pid)).toBe(false);
    use.release();
    await waitFor(() => isGone(pid), 'the idle stop after the release');
  });

  it('starts a new child on the next acquire after an idle stop', async () => {
    const { supervisor } = supervise({ idleTimeout: 100 });
    (await acquireOk(supervisor)).release();
    const first = supervisor.pid!;
    await waitFor(() => supervisor.state === 'stopped', 'the idle stop');
    await acquireOk(supervisor);
    expect(supervisor.pid).not.toBe(first);
  });

  it('restarts a child killed with SIGKILL on the next acquire, after the backoff', async () => {
    const { supervisor, lines } = supervise({ restart: { initialDelay: 50, maxDelay: 50 } });
    (await acquireOk(supervisor)).release();
    const first = supervisor.pid!;
    process.kill(first, 'SIGKILL');
    await waitFor(() => supervisor.state === 'stopped', 'the crash to be seen');
    expect(lines).toContain('spawn: killed by SIGKILL');
    await delay(60);
    const use = await acquireOk(supervisor);
    expect(Number(await get(use.port, '/pid'))).not.toBe(first);
  });

  it('answers unavailable with a retry time during the backoff after a crash', async () => {
    const { supervisor } = supervise({ restart: { initialDelay: 5_000, maxDelay: 5_000 } });
    (await acquireOk(supervisor)).release();
    process.kill(supervisor.pid!, 'SIGKILL');
    await waitFor(() => supervisor.state === 'stopped', 'the crash to be seen');
    expect(await supervisor.acquire()).toEqual({ ok: false, reason: 'unavailable', retryAfter: 5 });
    expect(supervisor.state).toBe('stopped');
  });

  it('fails the start of a child that never becomes ready, and kills it', async () => {
    const { supervisor, lines } = supervise({
      env: { BACKEND_NEVER_LISTEN: '1' },
      ready: { timeout: 400 },
    });
    const pending = supervisor.acquire();
    await waitFor(() => supervisor.pid !== undefined, 'the child to start');
    const pid = supervisor.pid!;
    expect(await pending).toEqual({ ok: false, reason: 'unavailable', retryAfter: 1 });
    expect(lines).toContain('spawn: not ready after 400 ms; stopping it');
    await waitFor(() => supervisor.state === 'stopped', 'the stop');
    expect(isGone(pid)).toBe(true);
  });

  it('fails the start of a child that exits before it is ready, and logs its code', async () => {
    const { supervisor, lines } = supervise({ env: { BACKEND_EXIT: '3' } });
    expect(await supervisor.acquire()).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(lines).toContain('spawn: exited with code 3');
    expect(supervisor.state).toBe('stopped');
  });

  it('fails the start of a program that does not exist', async () => {
    const { supervisor, lines } = supervise({ command: ['/nonexistent/trowel-backend'] });
    expect(await supervisor.acquire()).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(lines.some((line) => line.startsWith('spawn: failed to start:'))).toBe(true);
  });

  it('tries again after the backoff when a start failed', async () => {
    const { supervisor, lines } = supervise({
      env: { BACKEND_EXIT: '1' },
      restart: { initialDelay: 50, maxDelay: 50 },
    });
    await supervisor.acquire();
    await delay(60);
    await supervisor.acquire();
    expect(lines.filter((line) => line === 'spawn: exited with code 1').length).toBe(2);
  });

  it('SIGKILLs a child that ignores SIGTERM after stopTimeout', async () => {
    const { supervisor, lines } = supervise({
      env: { BACKEND_IGNORE_TERM: '1' },
      stopTimeout: 300,
    });
    await acquireOk(supervisor);
    const pid = supervisor.pid!;
    await supervisor.close();
    expect(lines).toContain('ignoring SIGTERM');
    expect(lines).toContain('spawn: stopped: killed by SIGKILL');
    expect(isGone(pid)).toBe(true);
  });

  it('kills at once with SIGKILL when stopTimeout is 0', async () => {
    const { supervisor, lines } = supervise({ stopTimeout: 0 });
    await acquireOk(supervisor);
    await supervisor.close();
    expect(lines).toContain('spawn: stopped: killed by SIGKILL');
  });

  it('serves with the output ignored', async () => {
    const supervisor = new Supervisor({ command: BACKEND, output: 'ignore', stopTimeout: 2_000 });
    made.push(supervisor);
    const use = await acquireOk(supervisor);
    expect(await get(use.port, '/pid')).toBe(String(supervisor.pid));
  });

  it('stops the whole process group: the child and its grandchild', async () => {
    const { supervisor, lines } = supervise({ env: { BACKEND_GRANDCHILD: '1' } });
    await acquireOk(supervisor);
    const pid = supervisor.pid!;
    const grandchild = Number(
      /^grandchild (\d+)$/.exec(lines.find((l) => l.startsWith('grandchild ')) ?? '')?.[1],
    );
    expect(isGone(grandchild)).toBe(false);
    await supervisor.close();
    expect(isGone(pid)).toBe(true);
    await waitFor(() => isGone(grandchild), 'the grandchild to die');
  });

  it('kills the grandchild left behind when the child crashes', async () => {
    const { supervisor, lines } = supervise({ env: { BACKEND_GRANDCHILD: '1' } });
    await acquireOk(supervisor);
    const grandchild = Number(
      /^grandchild (\d+)$/.exec(lines.find((l) => l.startsWith('grandchild ')) ?? '')?.[1],
    );
    process.kill(supervisor.pid!, 'SIGKILL');
    await waitFor(() => isGone(grandchild), 'the grandchild to die');
  });

  it('refuses every acquire after close()', async () => {
    const { supervisor } = supervise();
    (await acquireOk(supervisor)).release();
    const pid = supervisor.pid!;
    await supervisor.close();
    expect(isGone(pid)).toBe(true);
    expect(supervisor.state).toBe('stopped');
    expect(await supervisor.acquire()).toEqual({ ok: false, reason: 'closed' });
    expect(supervisor.pid).toBeUndefined();
  });

  it('answers closed to acquires waiting for a start that close() interrupts', async () => {
    const { supervisor, lines } = supervise({ env: { BACKEND_LISTEN_DELAY: '5000' } });
    const waiting = supervisor.acquire();
    await waitFor(() => supervisor.pid !== undefined, 'the child to start');
    const pid = supervisor.pid!;
    await supervisor.close();
    expect(await waiting).toEqual({ ok: false, reason: 'closed' });
    expect(isGone(pid)).toBe(true);
    expect(lines.some((line) => line.startsWith('spawn: not ready'))).toBe(false);
  });

  it('gives up waiting when the signal aborts, and lets the start go on', async () => {
    const { supervisor } = supervise({ env: { BACKEND_LISTEN_DELAY: '300' } });
    const abort = new AbortController();
    const waiting = supervisor.acquire(abort.signal);
    abort.abort();
    expect(await waiting).toEqual({ ok: false, reason: 'aborted' });
    expect(supervisor.inFlight).toBe(0);
    await acquireOk(supervisor);
  });

  it('writes the child output to stderr with a prefix by default', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const supervisor = new Supervisor({ command: BACKEND });
      made.push(supervisor);
      await acquireOk(supervisor);
      const pid = supervisor.pid!;
      await waitFor(
        () =>
          written.includes(`[spawn node ${String(pid)}] listening on ${String(supervisor.port)}\n`),
        'the prefixed line',
      );
      expect(written).toContain(
        `[spawn node ${String(pid)}] started on 127.0.0.1:${String(supervisor.port)}\n`,
      );
      await supervisor.close();
    } finally {
      spy.mockRestore();
    }
  });

  it('kills its children when the parent process exits', async () => {
    const parent = spawnProcess(
      process.execPath,
      [join(import.meta.dirname, 'exit-hook.fixture.ts')],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    parent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => parent.once('exit', resolve));
    expect(code).toBe(0);
    const pid = Number(/^child (\d+)$/m.exec(out)?.[1]);
    expect(pid).toBeGreaterThan(0);
    await waitFor(() => isGone(pid), 'the orphaned child to die');
  });
});

describe('backoffDelay', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [7, 6_400],
    [8, 10_000],
    [1_000, 10_000],
  ])('waits %i consecutive failures → %i ms', (failures, expected) => {
    expect(backoffDelay(failures, 100, 10_000)).toBe(expected);
  });
});
