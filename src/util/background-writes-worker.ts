// The thread behind background-writes.ts: takes whole small files and renames, in the order
// sent, and answers each one. Jobs come in batches (one message per turn of the sender's
// event loop), and a batch's answers go back as one message.
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

function done(job: WriteJob): JobAnswer {
  try {
    doWriteJob(job);
    return { id: job.id };
  } catch (error) {
    const { message, code, syscall, path } = error as NodeJS.ErrnoException;
    return { id: job.id, error: { message: String(message), code, syscall, path } };
  }
}

parentPort?.on('message', (jobs: WriteJob[]) => {
  parentPort?.postMessage(jobs.map(done));
});
