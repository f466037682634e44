/**
 * Whose listener answered: after the readiness probe got through to a port, this tells whether the
 * listening socket belongs to the child's process group, or to some other process that held the
 * port or took it in the moment between choosing it and the child binding it.
 *
 * Linux only: the listening sockets on the port are read from `/proc/net/tcp` and `/proc/net/tcp6`
 * (their inodes), then the open descriptors (`/proc/<pid>/fd` → `socket:[inode]`) of every process
 * whose process group is the child's. Where `/proc` is absent (macOS, the BSDs) the answer is
 * `unknown`, and the caller has only the check made before the start to go on.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Who holds the listener: the child's process group, someone else, or impossible to tell here. */
export type ListenerOwner = 'group' | 'other' | 'unknown';

// The `st` column of /proc/net/tcp: 0A is TCP_LISTEN.
const LISTEN = '0A';

/** The inodes of the sockets listening on `port`, or `undefined` when /proc/net is unreadable. */
async function listeningInodes(proc: string, port: number): Promise<Set<string> | undefined> {
  const inodes = new Set<string>();
  let readable = false;
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = await readFile(join(proc, 'net', table), 'utf8');
      readable = true;
    } catch {
      // No IPv6 on this machine, or no /proc at all: the other table (if any) decides.
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const inode = fields[9];
      if (local === undefined || inode === undefined || fields[3] !== LISTEN) continue;
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(inode);
    }
  }
  return readable ? inodes : undefined;
}

/** The ids of the processes in process group `pgid`. */
async function groupMembers(proc: string, pgid: number): Promise<number[]> {
  const members: number[] = [];
  for (const entry of await readdir(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(join(proc, entry, 'stat'), 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so count from the last ')'.
      const pgrp = stat
        .slice(stat.lastIndexOf(')') + 2)
        .split(' ')
        .at(2);
      if (Number(pgrp) === pgid) members.push(Number(entry));
    } catch {
      // The process exited while the directory was read.
    }
  }
  return members;
}

/** The socket inodes process `pid` has open. */
async function socketInodes(proc: string, pid: number): Promise<string[]> {
  const dir = join(proc, String(pid), 'fd');
  const inodes: string[] = [];
  let fds: string[];
  try {
    fds = await readdir(dir);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(await readlink(join(dir, fd)));
      if (match?.[1] !== undefined) inodes.push(match[1]);
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes;
}

/**
 * Whether the sockets listening on `port` all belong to process group `pgid`: `group` when they
 * do (and there is at least one), `other` when one does not or none is found, `unknown` without
 * a readable `/proc/net/tcp`.
 *
 * @example
 * ```ts
 * const owner = await listenerOwner(8080, child.pid); // 'group' | 'other' | 'unknown'
 * ```
 */
export async function listenerOwner(
  port: number,
  pgid: number,
  proc = '/proc',
): Promise<ListenerOwner> {
  const listening = await listeningInodes(proc, port);
  if (listening === undefined) return 'unknown';
  if (listening.size === 0) return 'other';
  const owned = new Set<string>();
  for (const pid of await groupMembers(proc, pgid)) {
    for (const inode of await socketInodes(proc, pid)) owned.add(inode);
  }
  for (const inode of listening) if (!owned.has(inode)) return 'other';
  return 'group';
}
