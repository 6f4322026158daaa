// One job of background-writes.ts, done with plain synchronous calls: on the file-writing
// thread, or on the caller's thread for the first few jobs of a process.
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';

export type WriteJob =
  | { id: number; kind: 'write'; path: string; data: ArrayBuffer; length: number }
  | { id: number; kind: 'rename'; from: string; to: string };

function writeWhole(path: string, bytes: Buffer): void {
  const fd = openSync(path, 'w'); // created or emptied, as a FileHandle's open 'w'
  try {
    // A short write (a signal, a disk filling up) goes on from where it stopped.
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done);
  } finally {
    closeSync(fd);
  }
}

/** Does the job; throws its system error. */
export function doWriteJob(job: WriteJob): void {
  if (job.kind === 'write') writeWhole(job.path, Buffer.from(job.data, 0, job.length));
  else renameSync(job.from, job.to);
}
