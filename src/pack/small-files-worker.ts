// A worker thread that packs batches of small files (small-files.ts), so that a source tree
// uses a second core while the main thread packs other batches. See small-worker.ts.
import { parentPort } from 'node:worker_threads';
import { packSmall, type SmallJob } from './small-files.js';

export interface BatchRequest {
  id: number;
  jobs: SmallJob[];
}

/** Sent after the last batch: the thread answers what it holds, then ends by itself. */
export interface StopRequest {
  stop: true;
}

parentPort?.on('message', (request: BatchRequest | StopRequest) => {
  if ('stop' in request) {
    // Closing the port lets the thread end once its queue is drained; it is never cut off
    // mid-batch, because Node aborts the whole process when a thread is terminated inside
    // zlib's synchronous calls ("close before init").
    parentPort?.close();
    return;
  }
  const { id, jobs } = request;
  const outcomes = jobs.map(packSmall);
  // Each file's bytes sit in a buffer of their own (packSmall copies them out): handed over
  // rather than copied, they leave this thread's memory at once.
  const buffers = outcomes.flatMap((o) => (o.ok ? [o.data.buffer as ArrayBuffer] : []));
  parentPort?.postMessage({ id, outcomes }, buffers);
});
