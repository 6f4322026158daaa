// A worker thread that packs batches of small files (small-files.ts), so that a source tree
// uses a second core while the main thread packs other batches. See small-worker.ts.
import { parentPort } from 'node:worker_threads';
import { packSmall, type SmallJob } from './small-files.js';

export interface BatchRequest {
  id: number;
  jobs: SmallJob[];
}

parentPort?.on('message', ({ id, jobs }: BatchRequest) => {
  const outcomes = jobs.map(packSmall);
  // Each file's bytes sit in a buffer of their own (packSmall copies them out): handed over
  // rather than copied, they leave this thread's memory at once.
  const buffers = outcomes.flatMap((o) => (o.ok ? [o.data.buffer as ArrayBuffer] : []));
  parentPort?.postMessage({ id, outcomes }, buffers);
});
