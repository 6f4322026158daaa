// `kaggle-run logs RUN -f`: a run's log as it grows, to the run's end. A run some process is
// watching is followed through the log that process saves. A run nobody watches (after
// `run --detach`, or a killed process) that can be reached from here is attached to: the
// log comes from the platform, and at its end the outputs are fetched and the record is
// finished exactly as `attach` does it, so the record never stays "queued" after its run.

import { reachableLater } from '../platform/create-platform.js';
import { lockHolder } from '../store/run-lock.js';
import type { RunStore } from '../store/run-store.js';
import { attachRun } from './attach-run.js';
import { sleep } from '../util/sleep.js';
import type { RunEvent } from './events.js';
import type { RunRecord } from './record.js';

/** How often a log another process writes is read again. */
const FOLLOW_POLL_MS = 300;

export interface FollowOptions {
  store: RunStore;
  record: RunRecord;
  /** Keep going until the run ends; without it, the saved log only. */
  follow: boolean;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
}

/** Log events (from the saved log, then live), and `done` when a followed run ended. */
export async function* followRun(options: FollowOptions): AsyncGenerator<RunEvent, void> {
  const { store, signal } = options;
  let record = options.record;
  let printed = 0;
  const saved = async function* (): AsyncGenerator<RunEvent> {
    const lines = await store.readLog(record.runId);
    for (const line of lines.slice(printed)) {
      yield { type: 'log', stream: line.stream, text: line.text };
    }
    printed = lines.length;
  };
  for (;;) {
    yield* saved();
    if (!options.follow || record.step === 'done' || record.endedAt !== null) return;
    const watched = (await lockHolder(store.runDir(record.runId))) !== undefined;
    // Read after the lock: a watcher that just let go has saved its last lines and its end.
    record = await store.load(record.runId);
    if (!watched) {
      yield* saved();
      if (record.step === 'done' || record.endedAt !== null) return;
      // A run that ended with its process gets no more lines.
      if (record.kernel === null || !reachableLater(record.platform)) return;
      // Nobody else will finish this record: attach (it replays only what is not saved).
      yield* attachRun({
        dir: record.projectRoot,
        run: record.runId,
        env: options.env,
        ...(signal === undefined ? {} : { signal }),
      });
      return;
    }
    await sleep(FOLLOW_POLL_MS, signal);
    if (signal?.aborted === true) return;
  }
}
