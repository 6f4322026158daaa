// The second half of a run, shared by `run` and `attach`: watch the kernel to its end
// (streaming the log into the store), fetch and verify the outputs, write the final record.

import { readSecondsEnv } from '../env.js';
import {
  PlatformError,
  InterruptedError,
  RunLostError,
  RunTimeoutError,
  errorMessage,
} from '../errors.js';
import { noteWheelCache } from '../requirements/wheel-cache.js';
import { maxTimeoutSeconds } from '../config/duration.js';
import {
  isTerminal,
  type Platform,
  type RemoteStatus,
  type RunHandle,
} from '../platform/platform.js';
import type { RunEvent } from './events.js';
import { OutputsFetchError, downloadPlanned, manifestPathFor, planFetch } from './fetch-outputs.js';
import { finalStatus, platformStatus } from './final-status.js';
import { LogWriter } from './log-writer.js';
import { countLogRecords, dropLogRecords } from '../platform/log-records.js';
import { abortableSleep } from './push-when-free.js';
import type { RunLifecycle } from './lifecycle.js';
import type { RunRecord } from './record.js';
import { runTimings } from './timings.js';
import { placeOutputFiles, type OutputFile } from './output-files.js';

export interface FinishContext {
  platform: Platform;
  handle: RunHandle;
  /** The run's record, changed only through it. */
  life: RunLifecycle;
  signal?: AbortSignal | undefined;
  /** Log records already in the store (a re-attach replays the log from its start). */
  skipLogEvents?: number;
  /** Applied to every log line before it is saved or shown (env-file values -> ***). */
  mask?: ((text: string) => string) | undefined;
  /**
   * Asked when the program failed, with its stderr: a hint to add to the failure (an import
   * another interpreter would have found). Local runs only: Kaggle's Python is Kaggle's.
   */
  explainFailure?: ((stderr: string) => Promise<string | undefined>) | undefined;
  /** How often a terminal status that cannot be this run's is re-checked. */
  staleChecks?: number;
  staleDelayMs?: number;
  /** Read for KAGGLE_RUN_WAIT_MARGIN. */
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * False for a kernel that does not run the harness (a kernel folder's push): no start line
   * to wait for, no manifest; the platform's status is the run's.
   */
  harness?: boolean | undefined;
  /** The run store's folder, where the wheel cache's holders are remembered. */
  storeRoot?: string | undefined;
}

/** Past the job's timeout, how long a run is still waited for: queueing, start-up, the log's end. */
export const DEFAULT_WAIT_MARGIN_SECONDS = 3600;

/**
 * Every run is waited for at most its job timeout plus a margin, counted from when this
 * process starts watching: a platform whose status stays RUNNING forever does not hold the
 * user forever. A Kaggle run may go on past it; `attach` picks it up.
 */
function waitDeadline(
  record: RunRecord,
  env: NodeJS.ProcessEnv,
): { signal: AbortSignal; seconds: number; margin: number; clear: () => void } {
  const margin = readSecondsEnv(
    'KAGGLE_RUN_WAIT_MARGIN',
    DEFAULT_WAIT_MARGIN_SECONDS,
    { allowZero: true, example: '3600' },
    env,
  );
  const seconds = (record.timeoutSeconds ?? maxTimeoutSeconds) + margin;
  // A timer of our own, not AbortSignal.timeout: that one does not keep the process alive,
  // and a watch that only awaits the platform must still reach its deadline.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('deadline')), seconds * 1000);
  return { signal: controller.signal, seconds, margin, clear: () => clearTimeout(timer) };
}

/**
 * Watches until a terminal status that belongs to this run. Kaggle's status describes the
 * kernel's latest version; just after a push it can still be the previous version's end. A
 * terminal status before the harness's start line (which carries this run's nonce) showed
 * in the log is checked again rather than taken for this run's end.
 */
async function* watchToEnd(
  ctx: FinishContext & { interrupt: AbortSignal | undefined },
): AsyncGenerator<RunEvent, RemoteStatus> {
  const { platform, handle, life, signal } = ctx;
  const { record, store } = life;
  const log = new LogWriter(store, record.runId);
  const startLine = `start nonce=${record.nonce}`;
  let skip = ctx.skipLogEvents ?? 0;
  let sawNonce = skip > 0 || ctx.harness === false;
  let remote: RemoteStatus = 'queued';
  for (let check = 0; ; check++) {
    for await (const event of platform.watch(handle, signal)) {
      if (event.type === 'log') {
        if (event.text.includes(startLine)) {
          sawNonce = true;
          // Replayed lines (a re-attach) say nothing of when the session began.
          if (skip === 0) life.sessionStarted();
        }
        let raw = event.text;
        if (skip > 0) {
          // Counted in records (log-records.ts), as the store holds them.
          const records = countLogRecords(raw);
          raw = dropLogRecords(raw, skip);
          skip = Math.max(0, skip - records);
          if (raw === '') continue;
        }
        const text = ctx.mask === undefined ? raw : ctx.mask(raw);
        const writing = log.add(event.stream, text);
        if (writing !== undefined) await writing;
        yield { ...event, text };
        continue;
      }
      remote = event.status;
      await log.flush();
      await life.remote(remote);
      yield event;
    }
    await log.flush();
    if (ctx.interrupt?.aborted) throw new InterruptedError('interrupted');
    signal?.throwIfAborted();
    if (!isTerminal(remote) || sawNonce || check >= (ctx.staleChecks ?? 3)) return remote;
    yield {
      type: 'status',
      status: 'unknown',
      message: `${remote} before this run's log began: taking it for an earlier version's status and checking again`,
    };
    await abortableSleep(ctx.staleDelayMs ?? 5000, signal);
    // The log replays from its start on the next watch: nothing seen so far is new.
    skip = (await store.readLog(record.runId)).length;
  }
}

/**
 * Kaggle's status, log and outputs are those of a kernel's latest version. When another
 * client pushed a later version meanwhile, what was watched and what would be fetched are
 * not this run's: say so (final) rather than take them.
 */
async function checkStillLatest(
  platform: Platform,
  handle: RunHandle,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (handle.version === null || platform.latestVersion === undefined) return;
  const latest = await platform.latestVersion(handle.kernel, signal).catch(() => {
    signal?.throwIfAborted();
    // A safeguard asked once the run has ended: an API still failing after its retries
    // must not fail a run that ended well. The fetch that follows checks the manifest's
    // nonce, so another run's outputs are refused all the same.
    return null;
  });
  if (latest !== null && latest > handle.version) {
    throw new RunLostError(
      `another client pushed version ${latest} of ${handle.kernel} while this run's version ${handle.version} ran; Kaggle reports the status, log and outputs of a kernel's latest version only, so this run's cannot be fetched`,
      {
        hint: 'run it again; runs of one job from one project never share a kernel, but pushes from elsewhere (another folder, machine or tool) can replace a version',
      },
    );
  }
}

/** A run that did not bring back a file asked for with --output-file failed (exit 1). */
function withOutputFiles(
  final: ReturnType<typeof finalStatus>,
  missing: OutputFile[],
): ReturnType<typeof finalStatus> {
  if (missing.length === 0 || final.status !== 'complete') return final;
  const names = missing.map((f) => `${f.path} (for ${f.dest})`).join(', ');
  return {
    ...final,
    status: 'error',
    error: {
      kind: 'program',
      message: `the program wrote no ${names}, asked for with --output-file`,
    },
  };
}

export async function* finishRun(ctx: FinishContext): AsyncGenerator<RunEvent, RunRecord> {
  const { platform, handle, life, signal } = ctx;
  const { record, store } = life;
  await life.watching();
  const deadline = waitDeadline(record, ctx.env ?? process.env);
  let remote: RemoteStatus;
  try {
    remote = yield* watchToEnd({
      ...ctx,
      signal: signal === undefined ? deadline.signal : AbortSignal.any([signal, deadline.signal]),
      interrupt: signal,
    });
  } catch (error) {
    if (!deadline.signal.aborted || signal?.aborted === true) throw error;
    throw new RunTimeoutError(
      `run ${record.runId} did not end within its timeout plus a ${deadline.margin} s margin (${deadline.seconds} s); stopped waiting for it`,
      {
        cause: error,
        hint: `if it still runs on the platform, \`kaggle-run attach ${record.runId}\` waits for it again (KAGGLE_RUN_WAIT_MARGIN sets the margin)`,
      },
    );
  } finally {
    deadline.clear();
  }
  if (!isTerminal(remote)) {
    throw new PlatformError(
      `the platform stopped reporting before the run ended (last status: ${remote})`,
    );
  }

  const endSeenAt = Date.now();
  await checkStillLatest(platform, handle, signal);

  await life.fetching();
  const fetchOptions = {
    platform,
    handle,
    outputDir: record.outputDir,
    manifestPath: manifestPathFor(store.runDir(record.runId)),
    globs: record.outputGlobs,
    files: record.outputFiles?.map((f) => f.path),
    nonce: record.nonce,
    expectManifest: ctx.harness !== false,
    signal,
  };
  const plan = await planFetch(fetchOptions);
  let readOn = false;
  try {
    yield { type: 'fetching', files: plan.wanted.length, bytes: plan.bytes };
    readOn = true;
  } finally {
    // A reader that stops here never downloads: the listing read on for the downloads ends.
    if (!readOn) plan.listing.stop();
  }
  const fetched = await downloadPlanned(fetchOptions, plan).catch(async (error: unknown) => {
    // The files that did arrive, verified, stay on the record while the rest is retried.
    if (error instanceof OutputsFetchError) await life.fetchedSome(error.outputs);
    throw error;
  });
  for (const message of fetched.warnings) {
    life.warn(message);
    yield { type: 'warning', message };
  }
  for (const file of fetched.outputs) yield { type: 'output', file };
  const final = withOutputFiles(
    ctx.harness === false ? platformStatus(remote) : finalStatus(remote, fetched.manifest),
    await placeOutputFiles(record, fetched.outputs),
  );
  if (final.error?.kind === 'program' && ctx.explainFailure !== undefined) {
    const stderr = (await store.readLog(record.runId))
      .filter((l) => l.stream === 'stderr')
      .map((l) => l.text)
      .join('');
    const hint = await ctx.explainFailure(stderr).catch(() => undefined);
    if (hint !== undefined) {
      final.error = { ...final.error, message: `${final.error.message}; ${hint}` };
      life.warn(hint);
      yield { type: 'warning', message: hint };
    }
  }
  await life.finish({
    outputs: fetched.outputs,
    status: final.status,
    exitCode: final.exitCode,
    error: final.error,
    manifest: fetched.manifest,
    timings: runTimings(record, fetched.manifest, endSeenAt, Date.now()),
  });
  if (ctx.storeRoot !== undefined) {
    // Only a cache: a memory that cannot be written costs the next session an install.
    const noted = await noteWheelCache(ctx.storeRoot, record, remote === 'complete').then(
      () => undefined,
      (error: unknown) => `the wheel cache's holder was not remembered: ${errorMessage(error)}`,
    );
    if (noted !== undefined) yield { type: 'warning', message: noted };
  }
  await platform.release?.(handle);
  yield { type: 'done', record };
  return record;
}
