// A short critical section shared by every process using one run store (several runs of a
// job started at once): an exclusive-create file, waited for in small steps. One left by a
// process killed inside the section is broken after STALE_MS; sections take milliseconds.

import { open, rm, stat } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PlatformError } from '../errors.js';

const STEP_MS = 25;
const STALE_MS = 30_000;
const WAIT_MS = 60_000;

export async function withStoreMutex<T>(path: string, work: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const start = Date.now();
  for (;;) {
    try {
      await (await open(path, 'wx')).close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(path).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_MS) await rm(path, { force: true });
      else if (Date.now() - start > WAIT_MS) {
        throw new PlatformError(`the run store stayed locked for ${WAIT_MS / 1000}s (${path})`, {
          hint: 'if no other kaggle-run is starting a run, remove that file',
        });
      } else await new Promise((resolve) => setTimeout(resolve, STEP_MS));
    }
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}
