import type { ChildProcess } from 'node:child_process';

const GRACE_MS = 3000;

/**
 * Kills a detached child's whole process group: SIGTERM first so programs can save what they
 * have, then SIGKILL after a grace period. Safe to call more than once.
 */
export function killTree(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid !== undefined) killGroup(child.pid, signal);
}

/** killTree for a process group known only by its leader's pid (an adopted run). */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  const send = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // the group is already gone
    }
  };
  send(signal);
  if (signal !== 'SIGKILL') setTimeout(() => send('SIGKILL'), GRACE_MS).unref();
}
