// `kaggle-run attach RUN`: pick a run up where its process left it (killed, Ctrl-C,
// --detach, a network outage): follow the live log, wait, fetch and verify the outputs,
// finish the record. Never pushes.

import { isDeepStrictEqual } from 'node:util';
import { KaggleRunError, UsageError, withRunId } from '../errors.js';
import { platformForRecord } from '../platform/create-platform.js';
import type { Platform, RunHandle } from '../platform/platform.js';
import { isSlotOf } from '../store/kernel-lease.js';
import { lockHolder, lockRun } from '../store/run-lock.js';
import type { RunStore } from '../store/run-store.js';
import { storeForDir } from '../store/store-for-dir.js';
import type { RunEvent } from './events.js';
import { finishRun } from './finish-run.js';
import { RunLifecycle } from './lifecycle.js';
import type { RunRecord } from './record.js';
import { recordFailure } from './record-failure.js';

export interface AttachOptions {
  /** The project folder (or any folder inside it); default the current folder. */
  dir?: string;
  /** Run id, a unique part of one, or `last`. */
  run: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** A platform to use instead of the run's own (tests, host programs). */
  platformInstance?: Platform;
}

/** An unfinished pushed run of the same job: same code, params, accelerator and platform. */
export async function findRunInFlight(
  store: RunStore,
  like: RunRecord,
  /** The kernel slug `like` will push to: a twin pushed to it (or to one of its slots). */
  slug: string,
): Promise<RunRecord | undefined> {
  // The index says which runs are unfinished on the same platform; only those are read.
  const { summaries } = await store.summaries();
  for (const summary of summaries) {
    if (
      summary.runId === like.runId ||
      summary.step === 'done' ||
      summary.endedAt !== null ||
      summary.platform !== like.platform
    ) {
      continue;
    }
    // A record removed or spoilt since the listing is no twin.
    const r = await store.load(summary.runId).catch(() => undefined);
    if (
      r !== undefined &&
      r.kernel !== null &&
      isSlotOf(r.kernel.split('/')[1] ?? '', slug) &&
      r.step !== 'done' &&
      r.endedAt === null &&
      r.endpoint === like.endpoint &&
      r.entry === like.entry &&
      r.codeHash === like.codeHash &&
      r.accelerator === like.accelerator &&
      isDeepStrictEqual(r.params, like.params)
    ) {
      return r;
    }
  }
  return undefined;
}

/**
 * The process died during the push. If the kernel's version moved past the one recorded
 * before the push, the push landed: take that version (the nonce in its log and manifest
 * confirms it is this run's). Otherwise the run never reached the platform, and its record
 * ends saying so.
 */
async function settlePush(
  life: RunLifecycle,
  platform: Platform,
  signal: AbortSignal | undefined,
): Promise<void> {
  const record = life.record;
  const latest = await platform.latestVersion?.(record.kernel!, signal);
  const before = record.versionBeforePush ?? null;
  if (latest === undefined || latest === null || (before !== null && latest <= before)) {
    const message = `run ${record.runId} never reached the platform (its process stopped before the push landed); there is nothing to attach to`;
    await life.neverPushed(message);
    throw new UsageError(message, { hint: 'start it again with `kaggle-run run`' });
  }
  await life.pushed({
    kernel: record.kernel!,
    version: latest,
    url: record.kernelUrl ?? undefined,
  });
}

export async function* attachRun(options: AttachOptions): AsyncGenerator<RunEvent, RunRecord> {
  const env = options.env ?? process.env;
  const store = await storeForDir(options.dir ?? '.', env);
  const record = await store.resolve(options.run);
  try {
    return yield* attachRecord(record, store, options);
  } catch (error) {
    throw error instanceof KaggleRunError ? withRunId(error, record.runId) : error;
  }
}

async function* attachRecord(
  record: RunRecord,
  store: RunStore,
  options: AttachOptions,
): AsyncGenerator<RunEvent, RunRecord> {
  const env = options.env ?? process.env;
  if (record.step === 'done') {
    yield { type: 'done', record };
    return record;
  }
  if (record.kernel === null) {
    throw new UsageError(
      `run ${record.runId} never reached the platform (it stopped at step ${record.step}); there is nothing to attach to`,
      { hint: 'start it again with `kaggle-run run`' },
    );
  }
  // A run that ended with its process cannot be attached to (checked before the lock).
  const platform =
    options.platformInstance ?? (await platformForRecord(record, env, 'attached to'));
  const holder = await lockHolder(store.runDir(record.runId));
  if (holder !== undefined) {
    throw new UsageError(`run ${record.runId} is being watched by process ${holder}`, {
      hint: `follow it with \`kaggle-run logs ${record.runId} -f\``,
    });
  }
  const lock = await lockRun(store.runDir(record.runId), record.runId);
  // Read again under the lock: a watcher that let go just now may have finished the run.
  const now = await store.load(record.runId);
  if (now.step === 'done') {
    await lock.release();
    yield { type: 'done', record: now };
    return now;
  }
  Object.assign(record, now);
  const life = RunLifecycle.resume(store, record);
  try {
    if (record.step === 'pushing') await settlePush(life, platform, options.signal);
  } catch (error) {
    await lock.release();
    throw error;
  }
  const handle: RunHandle = {
    platform: record.platform,
    kernel: record.kernel,
    version: record.version,
    nonce: record.nonce,
    url: record.kernelUrl ?? undefined,
  };
  try {
    yield { type: 'attached', runId: record.runId, handle };
    const skipLogEvents = (await store.readLog(record.runId)).length;
    return yield* finishRun({
      platform,
      handle,
      life,
      signal: options.signal,
      skipLogEvents,
      env,
      storeRoot: store.root,
    });
  } catch (error) {
    throw await recordFailure(error, { life, platform, handle, signal: options.signal });
  } finally {
    await lock.release();
  }
}
