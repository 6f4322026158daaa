// Small files written, and renamed into place, on a thread of their own. Creating a file is
// the costly part of a small output: 0.1-1 ms of kernel time on an ext4 disk, as much as all
// the rest of its download. Done on the main thread it stalls every download in flight;
// here it runs beside them. One thread, jobs in the order sent: a file's rename always
// follows its write, and the folder's lock is never fought over by two threads of ours.
// The thread takes 30 ms to start, though, more than a handful of small files costs: the
// first INLINE_JOBS jobs of a process are done where they are sent, at once (a local run's
// fetch of its log and a few outputs never starts it), and the thread only after them, so
// the order holds across the switch. Jobs sent during one turn of the event loop go to the
// thread as one message, and come back as one: 2,000 small outputs are 4,000 jobs, and a
// message each cost the main thread as much as their hashing.
import { Worker } from 'node:worker_threads';
import { asError } from '../errors.js';
import { doWriteJob, type WriteJob } from './background-write-job.js';
import type { JobAnswer } from './background-writes-worker.js';

/** Jobs done on the caller's thread before the file-writing thread is started. */
export const INLINE_JOBS = 16;
let inlineJobs = 0;

interface Waiting {
  resolve: () => void;
  reject: (error: Error) => void;
  /** The thread the job went to: a thread that fails fails its own jobs only. */
  thread: Worker;
}

let worker: Worker | undefined;
const waiting = new Map<number, Waiting>();
let nextId = 0;
/** Jobs sent this turn, posted together when the turn's I/O callbacks are done. */
let outbox: { jobs: WriteJob[]; transfer: ArrayBuffer[]; thread: Worker } | undefined;

function failAll(thread: Worker, error: Error): void {
  for (const [id, w] of waiting) {
    if (w.thread !== thread) continue;
    waiting.delete(id);
    w.reject(error);
  }
  if (worker === thread) worker = undefined; // the next job starts a fresh thread
}

/** An idle thread never holds the process open. */
function releaseIfIdle(thread: Worker): void {
  if (![...waiting.values()].some((w) => w.thread === thread)) thread.unref();
}

function started(): Worker {
  if (worker !== undefined) return worker;
  // Without the process's node flags: the thread needs none, and some (--input-type, say)
  // stop a worker from starting.
  const thread = new Worker(new URL('./background-writes-worker.js', import.meta.url), {
    execArgv: [],
  });
  thread.on('message', (answers: JobAnswer[]) => {
    for (const answer of answers) {
      const w = waiting.get(answer.id);
      waiting.delete(answer.id);
      if (answer.error === undefined) w?.resolve();
      else w?.reject(Object.assign(new Error(answer.error.message), answer.error));
    }
    releaseIfIdle(thread);
  });
  thread.on('error', (error) => failAll(thread, error));
  thread.on('exit', (code) =>
    failAll(thread, new Error(`the file-writing thread exited (${code})`)),
  );
  worker = thread;
  return thread;
}

function send(job: WriteJob, transfer: ArrayBuffer[] = []): Promise<void> {
  if (worker === undefined && inlineJobs < INLINE_JOBS) {
    inlineJobs++;
    try {
      doWriteJob(job);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }
  const thread = started();
  thread.ref();
  return new Promise((resolve, reject) => {
    waiting.set(job.id, { resolve, reject, thread });
    if (outbox?.thread !== thread) {
      postOutbox(); // jobs for a thread that has since failed (they are answered already)
      outbox = { jobs: [], transfer: [], thread };
      setImmediate(postOutbox);
    }
    outbox.jobs.push(job);
    outbox.transfer.push(...transfer);
  });
}

/** Posts the turn's jobs as one message. */
function postOutbox(): void {
  const sending = outbox;
  outbox = undefined;
  if (sending === undefined) return;
  const { jobs, transfer, thread } = sending;
  try {
    thread.postMessage(jobs, transfer);
  } catch (error) {
    // Never sent: nothing will answer them, and they must not keep the thread held.
    for (const job of jobs) {
      const w = waiting.get(job.id);
      waiting.delete(job.id);
      w?.reject(asError(error));
    }
    releaseIfIdle(thread);
  }
}

/**
 * Writes `bytes` as the whole of `path` (created or emptied). The buffer's memory is handed
 * to the thread, so `bytes` must own it (Buffer.allocUnsafeSlow) and not be used after.
 */
export function writeInBackground(path: string, bytes: Buffer): Promise<void> {
  const data = bytes.buffer;
  // Only memory of its own moves: a slice of Node's shared pool, or shared memory, does not.
  if (!(data instanceof ArrayBuffer) || bytes.byteOffset !== 0) {
    throw new Error('writeInBackground: the buffer must own its memory');
  }
  return send({ id: nextId++, kind: 'write', path, data, length: bytes.length }, [data]);
}

/** Renames after every write sent before it is done. */
export function renameInBackground(from: string, to: string): Promise<void> {
  return send({ id: nextId++, kind: 'rename', from, to });
}
