// One process at a time watches a run: the lock file holds the watcher's pid. A lock whose
// process is gone (killed, crashed) is stale and taken over, so a SIGKILLed run can be
// attached to at once.

import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

const LOCK_FILE = 'lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the live process watching the run, if any. */
export async function lockHolder(runDir: string): Promise<number | undefined> {
  const text = await readFile(join(runDir, LOCK_FILE), 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

/**
 * Whether a live process (this one included) holds the run's lock: a run of this process
 * counts, unlike for `lockHolder`, which asks whether someone else is watching it.
 */
export async function lockAlive(runDir: string): Promise<boolean> {
  const text = await readFile(join(runDir, LOCK_FILE), 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 && (pid === process.pid || alive(pid));
}

export interface RunLock {
  release(): Promise<void>;
}

export async function lockRun(runDir: string, runId: string): Promise<RunLock> {
  const path = join(runDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(String(process.pid));
      await file.close();
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await lockHolder(runDir);
      if (holder !== undefined) {
        throw new UsageError(`run ${runId} is being watched by process ${holder}`, {
          hint: `follow it with \`kaggle-run logs ${runId} -f\`, or stop that process first`,
        });
      }
      await rm(path, { force: true }); // stale: its process is gone
    }
  }
  throw new UsageError(`cannot lock run ${runId}: another process keeps taking it`);
}
