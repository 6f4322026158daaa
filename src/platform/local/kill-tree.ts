import type { ChildProcess } from 'node:child_process';

const GRACE_MS = 3000;

/**
 * Kills a detached child's whole process group: SIGTERM first so programs can save what they
 * have, then SIGKILL after a grace period. Safe to call more than once.
 */
export function killTree(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  const pid = child.pid;
  if (pid === undefined) return;
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
