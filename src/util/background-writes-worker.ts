// The thread behind background-writes.ts: takes whole small files and renames, in the order
// sent, and answers each one.
import { parentPort } from 'node:worker_threads';
import { doWriteJob, type WriteJob } from './background-write-job.js';

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

parentPort?.on('message', (job: WriteJob) => {
  const answer: JobAnswer = { id: job.id };
  try {
    doWriteJob(job);
  } catch (error) {
    const { message, code, syscall, path } = error as NodeJS.ErrnoException;
    answer.error = { message: String(message), code, syscall, path };
  }
  parentPort?.postMessage(answer);
});
