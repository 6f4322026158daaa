// The thread behind background-writes.ts: takes whole small files and renames, in the order
// sent, each with plain synchronous calls, and answers each one.
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

export type WriteJob =
  | { id: number; kind: 'write'; path: string; data: ArrayBuffer; length: number }
  | { id: number; kind: 'rename'; from: string; to: string };

/** A system error as plain fields: error classes do not cross threads. */
export interface JobAnswer {
  id: number;
  error?: {
    message: string;
    code?: string | undefined;
    syscall?: string | undefined;
    path?: string | undefined;
  };
}

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

parentPort?.on('message', (job: WriteJob) => {
  const answer: JobAnswer = { id: job.id };
  try {
    if (job.kind === 'write') writeWhole(job.path, Buffer.from(job.data, 0, job.length));
    else renameSync(job.from, job.to);
  } catch (error) {
    const { message, code, syscall, path } = error as NodeJS.ErrnoException;
    answer.error = { message: String(message), code, syscall, path };
  }
  parentPort?.postMessage(answer);
});
