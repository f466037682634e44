import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND, waitFor } from './helpers.fixture.ts';
import { listenerOwner } from './owner.ts';
import { freePort } from './ready.ts';

const children: ChildProcess[] = [];
const servers: Server[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const server of servers.splice(0)) server.close();
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A listener in this process, on a port the kernel picks. */
async function listenHere(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** The backend fixture as a process group leader, listening on `port`. */
async function backend(port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  const [program = '', ...args] = BACKEND.map((arg) => arg.replace('{port}', String(port)));
  const child = spawn(program, args, { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env });
  children.push(child);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await waitFor(() => out.includes('listening') || env['BACKEND_NEVER_LISTEN'] === '1', 'listen');
  return child;
}

/** A fake /proc: one table line per listener, and processes with their group and sockets. */
async function fakeProc(
  listeners: readonly { readonly port: number; readonly inode: number; readonly state?: string }[],
  processes: readonly {
    readonly pid: number;
    readonly comm: string;
    readonly pgrp: number;
    readonly inodes: readonly number[];
  }[],
): Promise<string> {
  const proc = await mkdtemp(join(tmpdir(), 'trowel-proc-'));
  dirs.push(proc);
  await mkdir(join(proc, 'net'));
  const header =
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  const rows = listeners.map(
    ({ port, inode, state = '0A' }, i) =>
      `   ${String(i)}: 0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000  1000        0 ${String(inode)} 1 0000000000000000 100 0 0 10 0`,
  );
  await writeFile(join(proc, 'net', 'tcp'), [header, ...rows, ''].join('\n'));
  await mkdir(join(proc, 'self'));
  for (const { pid, comm, pgrp, inodes } of processes) {
    await mkdir(join(proc, String(pid), 'fd'), { recursive: true });
    await writeFile(
      join(proc, String(pid), 'stat'),
      `${String(pid)} (${comm}) S 1 ${String(pgrp)} ${String(pgrp)} 0 -1\n`,
    );
    for (const [fd, inode] of inodes.entries()) {
      await symlink(`socket:[${String(inode)}]`, join(proc, String(pid), 'fd', String(fd)));
    }
    await symlink('/dev/null', join(proc, String(pid), 'fd', '99'));
  }
  return proc;
}

describe('listenerOwner()', () => {
  it("answers 'group' for a port the process group listens on", async () => {
    const port = await freePort('127.0.0.1');
    const child = await backend(port);
    expect(await listenerOwner(port, child.pid ?? 0)).toBe('group');
  });

  it("answers 'other' for a port another process listens on", async () => {
    const port = await listenHere();
    const child = await backend(0, { BACKEND_NEVER_LISTEN: '1' });
    expect(await listenerOwner(port, child.pid ?? 0)).toBe('other');
  });

  it.each([
    ['a listener of the group', [{ pid: 40, comm: 'node', pgrp: 40, inodes: [7] }], 'group'],
    [
      'a listener of a group member',
      [{ pid: 41, comm: 'a) b (c', pgrp: 40, inodes: [7] }],
      'group',
    ],
    ['a listener outside the group', [{ pid: 42, comm: 'nginx', pgrp: 42, inodes: [7] }], 'other'],
    ['no process holding it', [], 'other'],
  ] as const)('reads a fake /proc with %s', async (_label, processes, owner) => {
    const proc = await fakeProc(
      [
        { port: 8080, inode: 7 },
        { port: 8080, inode: 9, state: '01' },
      ],
      processes,
    );
    expect(await listenerOwner(8080, 40, proc)).toBe(owner);
  });

  it("answers 'other' when nothing listens on the port", async () => {
    const proc = await fakeProc(
      [{ port: 8081, inode: 7 }],
      [{ pid: 40, comm: 'x', pgrp: 40, inodes: [7] }],
    );
    expect(await listenerOwner(8080, 40, proc)).toBe('other');
  });

  it("answers 'unknown' where there is no /proc", async () => {
    expect(await listenerOwner(8080, 40, '/nonexistent/proc')).toBe('unknown');
  });
});
