// Runs a sweep: the job is resolved once, and every point is an ordinary run of it
// (runResolved, or attachRun for a point that was in flight when a sweep is resumed) with
// the point's values and its own kernel. At most
// `maxParallel` points hold a session at once (slots.ts); a push refused for the session cap
// lowers that to the cap the refusal names. The refused point itself waits inside its run
// (pushWhenFree) and is woken early when one of the sweep's own sessions ends: it is
// neither failed nor re-queued.

import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BatchMode } from '../config/batch-schema.js';
import type { JobOverrides } from '../config/overrides.js';
import { resolveJob } from '../config/resolve.js';
import { ExitCode, errorMessage, exitCodeOf, type CapacityError } from '../errors.js';
import type { Job } from '../job.js';
import { AsyncChannel } from '../kaggle/async-channel.js';
import { capabilitiesOf } from '../platform/capabilities.js';
import { createPlatform } from '../platform/create-platform.js';
import { isTerminal } from '../platform/platform.js';
import type { Platform } from '../platform/platform.js';
import { attachRun } from '../run/attach-run.js';
import type { RunEvent } from '../run/events.js';
import { exitCodeForRecord } from '../run/exit-code.js';
import type { RunRecord } from '../run/record.js';
import { runResolved, type RunInternals } from '../run/run-job.js';
import type { RunStore } from '../store/run-store.js';
import { storeForDir } from '../store/store-for-dir.js';
import { slugify } from '../util/slug.js';
import { chunkRan, mergeBatch } from '../batch/merge-items.js';
import { quotaWarning } from './budget.js';
import type { SweepEvent, SweepResult } from './events.js';
import { planSweep } from './plan-sweep.js';
import { SweepStore } from './sweep-store.js';
import { Slots, SlotsClosedError } from './slots.js';
import type { SweepPoint, SweepRecord } from './sweep-store.js';

interface CommonOptions {
  env?: NodeJS.ProcessEnv;
  /** Aborting stops starting points; running ones stop (local) or detach (Kaggle). */
  signal?: AbortSignal;
  /** At most this many points at once (default: see defaultParallelism). */
  maxParallel?: number;
  /** After the first point that does not complete, start no more points. */
  failFast?: boolean;
  queueTimeoutSeconds?: number;
  /** A platform to use instead of the one the job names (tests, host programs). */
  platformInstance?: Platform;
}

export interface SweepOptions extends JobOverrides, CommonOptions {
  dir?: string;
  /** Raw `--sweep KEY=V1,V2` flags, over the file's `sweep:` grid. */
  sweepFlags?: string[];
  /** Refuse (exit 2) when points x timeout is over this many hours. */
  maxHours?: number;
  /** Each point's outputs go to `<outputDir>/point-<n>-<label>`. */
  outputDir?: string;
  forceNew?: boolean;
  /** `--batch FILE` (absolute) and `--per-session K`: run the job as a batch. */
  batchFile?: string;
  perSession?: number;
  /** `per-item` (default) or `loop`: see BatchMode. */
  batchMode?: BatchMode;
}

export interface ResumeOptions extends CommonOptions {
  dir?: string;
  /** Sweep id, a unique part of one, or `last-sweep`. */
  sweep: string;
}

interface Context {
  record: SweepRecord;
  sweeps: SweepStore;
  store: RunStore;
  job: Job;
  platform: Platform;
  options: CommonOptions & { forceNew?: boolean };
  env: NodeJS.ProcessEnv;
}

export async function* runSweep(
  options: SweepOptions = {},
): AsyncGenerator<SweepEvent, SweepResult> {
  const env = options.env ?? process.env;
  const {
    dir,
    env: _env,
    signal: _signal,
    maxParallel,
    failFast: _failFast,
    queueTimeoutSeconds: _queue,
    platformInstance,
    sweepFlags,
    maxHours,
    outputDir,
    forceNew: _forceNew,
    batchFile,
    perSession,
    batchMode,
    ...overrides
  } = options;
  const { job, warnings: resolveWarnings } = await resolveJob(resolve(dir ?? '.'), overrides, env);
  const plan = await planSweep({
    job,
    env,
    overrides,
    sweepFlags: sweepFlags ?? [],
    maxParallel,
    maxHours,
    outputDir,
    batchFile,
    perSession,
    batchMode,
  });
  for (const message of resolveWarnings) yield { type: 'warning', message };
  const warnings: string[] = [];
  const platform =
    platformInstance ?? (await createPlatform(plan.job, env, (m) => warnings.push(m)));
  const warning = await quotaWarning(platform, plan.job.accelerator, {
    points: plan.record.points.length,
    timeoutSeconds: plan.job.timeoutSeconds,
  });
  if (warning !== undefined) yield { type: 'warning', message: warning };
  for (const message of warnings.splice(0)) yield { type: 'warning', message };
  const sweeps = new SweepStore(plan.store);
  await sweeps.save(plan.record);
  return yield* execute(
    {
      record: plan.record,
      sweeps,
      store: plan.store,
      job: plan.job,
      platform,
      options,
      env,
    },
    false,
  );
}

/** `kaggle-run attach SWEEP`: runs or attaches only the points that did not complete. */
export async function* resumeSweep(
  options: ResumeOptions,
): AsyncGenerator<SweepEvent, SweepResult> {
  const env = options.env ?? process.env;
  const store = await storeForDir(options.dir ?? '.', env);
  const sweeps = new SweepStore(store);
  const record = await sweeps.resolve(options.sweep);
  const { job } = await resolveJob(record.projectRoot, record.overrides, env);
  if (options.maxParallel !== undefined) record.maxParallel = options.maxParallel;
  record.endedAt = null;
  const platform = options.platformInstance ?? (await createPlatform(job, env, () => undefined));
  return yield* execute({ record, sweeps, store, job, platform, options, env }, true);
}

/** The same mapping as the CLI's: who is to blame for how the run ended. */

async function isComplete(store: RunStore, point: SweepPoint): Promise<boolean> {
  if (point.runId === null) return false;
  const run = await store.load(point.runId).catch(() => undefined);
  return run !== undefined && run.step === 'done' && run.status === 'complete';
}

async function* execute(ctx: Context, resumed: boolean): AsyncGenerator<SweepEvent, SweepResult> {
  const { record, sweeps, store, options } = ctx;
  const signal = options.signal;
  const channel = new AsyncChannel<SweepEvent>();
  const toRun: SweepPoint[] = [];
  for (const point of record.points) {
    if (resumed && (await isComplete(store, point))) {
      point.status = 'complete';
      point.exitCode = 0;
    } else if (resumed && record.batch !== undefined && (await chunkRan(store, point))) {
      // Every item of the chunk ran (some failed): it keeps its status and is not re-run.
    } else {
      toRun.push(point);
    }
  }
  yield { type: 'sweep-start', sweep: record, resumed, toRun: toRun.length };

  const slots = new Slots(record.maxParallel);
  let active = 0;
  /** Points launched that have not pushed (or attached) yet: packing, or at the gate. */
  let unpushed = 0;
  let stopping = false;
  const queue = [...toRun];
  const onCapacity = (error: CapacityError) => {
    if (error.maxSessions >= slots.limit) return;
    slots.limit = error.maxSessions;
    const cap = slots.limit;
    channel.push({
      type: 'cap-learned',
      cap,
      message: `the platform runs at most ${cap} session${cap === 1 ? '' : 's'} at once; running ${cap} point${cap === 1 ? '' : 's'} at a time`,
    });
  };
  const platform = ctx.platform;
  const save = () =>
    sweeps.save(record).catch((error: unknown) => {
      channel.push({
        type: 'warning',
        message: `could not save the sweep record: ${errorMessage(error)}`,
      });
    });
  const stop = () => {
    stopping = true;
    slots.close();
  };

  const runPoint = async (point: SweepPoint, onPushed: () => void): Promise<void> => {
    const prior =
      point.runId === null ? undefined : await store.load(point.runId).catch(() => undefined);
    const attach =
      prior !== undefined &&
      capabilitiesOf(prior.platform).outlivesProcess &&
      prior.kernel !== null &&
      prior.step !== 'done';
    let release: (() => void) | undefined;
    let gateClosed = false;
    const takeSlot = async (gateSignal?: AbortSignal) => {
      try {
        release = await slots.acquire(gateSignal, point.index);
      } catch (error) {
        gateClosed = error instanceof SlotsClosedError;
        throw error;
      }
    };
    let final: RunRecord | null = null;
    let failure: unknown;
    let announced = false;
    const announce = () => {
      if (announced) return;
      announced = true;
      channel.push({ type: 'point-start', point, mode: attach ? 'attach' : 'run' });
    };
    const forward = async (events: AsyncIterable<RunEvent>) => {
      for await (const event of events) {
        if (event.type === 'resolved' || event.type === 'attached') {
          point.runId = event.runId;
          point.status = event.type === 'attached' ? 'running' : 'queued';
          await save();
          if (event.type === 'attached') onPushed();
        } else if (event.type === 'pushed') {
          point.status = 'running';
          await save();
          onPushed();
        } else if (
          event.type === 'status' &&
          isTerminal(event.status) &&
          options.failFast !== true
        ) {
          // The session is over: the next point may push while this one fetches. (With
          // --fail-fast the slot waits for this point's verdict.)
          release?.();
        } else if (event.type === 'done') {
          final = event.record;
        }
        // A point packed ahead is announced when it gets its session, not while it waits.
        if (event.type !== 'resolved' && event.type !== 'packed') announce();
        channel.push({ type: 'point-event', point, event });
      }
    };
    try {
      let attached = false;
      if (attach) {
        await takeSlot(signal);
        try {
          await forward(
            attachRun({
              dir: record.projectRoot,
              run: prior.runId,
              env: ctx.env,
              ...signalOf(signal),
              platformInstance: platform,
            }),
          );
          attached = true;
        } catch (error) {
          // A push that never landed leaves nothing to attach to: run the point again.
          const now = await store.load(prior.runId).catch(() => undefined);
          const neverPushed =
            now !== undefined &&
            (now.kernel === null || (now.step === 'done' && now.version === null));
          if (!neverPushed) throw error;
          release?.();
          release = undefined;
        }
      }
      if (!attached) {
        const chunk = batchRun(ctx.job, point, record.batch?.mode);
        await forward(
          runResolved(
            chunk.job,
            [],
            {
              env: ctx.env,
              ...signalOf(signal),
              ...(record.outputDir === null || record.batch !== undefined
                ? {}
                : {
                    outputDir: join(
                      record.outputDir,
                      `point-${point.index}-${slugify(point.label)}`,
                    ),
                  }),
              ...(options.queueTimeoutSeconds === undefined
                ? {}
                : { queueTimeoutSeconds: options.queueTimeoutSeconds }),
              ...(options.forceNew === true ? { forceNew: true } : {}),
              platformInstance: platform,
            },
            {
              params: point.params,
              kernelSlug: point.kernelSlug,
              sweepId: record.sweepId,
              batch: chunk.batch,
              sessionWait: (ms, waitSignal) => slots.waitForFree(ms, waitSignal),
              onCapacity,
              beforePush: takeSlot,
            },
          ),
        );
      }
    } catch (error) {
      failure = error;
    }
    if (gateClosed || (failure instanceof SlotsClosedError && !announced)) {
      // Stopped while waiting for its turn: it never ran. Drop the run it had prepared.
      if (point.runId !== null && point.runId !== prior?.runId) {
        await rm(store.runDir(point.runId), { recursive: true, force: true });
      }
      point.runId = prior?.runId ?? null;
      point.status = 'skipped';
      release?.();
      await save();
      return;
    }
    announce();
    const ended: RunRecord | null =
      final ??
      (point.runId === null ? null : ((await store.load(point.runId).catch(() => null)) ?? null));
    const finished = failure === undefined && ended !== null;
    point.exitCode = finished ? exitCodeForRecord(ended) : exitCodeOf(failure);
    point.status = finished ? ended.status : 'error';
    if (point.status === 'queued' || point.status === 'running') point.status = 'error';
    if (point.exitCode !== 0 && options.failFast === true) stop();
    // Given back only now, so that --fail-fast stops the next point before it takes the slot.
    release?.();
    await save();
    channel.push({
      type: 'point-end',
      point,
      record: ended,
      ...(failure === undefined ? {} : { error: errorMessage(failure) }),
    });
  };

  // Twice the session limit run at once: the extra ones pack and wait at the gate. No more
  // than the limit prepare at once, though: a point packed ahead starts once one before it
  // has pushed, so that at the start it does not take the CPU from the first points' pushes
  // and sessions (on a small machine those are what the first round waits for).
  const launch = () => {
    if (signal?.aborted) stop();
    while (!stopping && active < slots.limit * 2 && unpushed < slots.limit && queue.length > 0) {
      const point = queue.shift()!;
      active += 1;
      unpushed += 1;
      slots.enlist(point.index);
      let preparing = true;
      const prepared = () => {
        if (!preparing) return false;
        preparing = false;
        unpushed -= 1;
        return true;
      };
      const onPushed = () => {
        if (prepared()) launch();
      };
      void runPoint(point, onPushed).finally(() => {
        prepared();
        slots.withdraw(point.index);
        active -= 1;
        launch();
      });
    }
    if (active === 0 && (stopping || queue.length === 0)) {
      for (const point of queue.splice(0)) point.status = 'skipped';
      channel.close();
    }
  };
  signal?.addEventListener('abort', stop, { once: true });
  const started = Date.now();
  launch();
  for await (const event of channel) yield event;
  const makespanSeconds = (Date.now() - started) / 1000;

  record.endedAt = new Date().toISOString();
  await save();
  const records = await Promise.all(
    record.points.map(async (p) =>
      p.runId === null ? null : store.load(p.runId).catch(() => null),
    ),
  );
  const mergeWarnings: string[] = [];
  const items =
    record.batch === undefined
      ? undefined
      : await mergeBatch(record, store, (message) => mergeWarnings.push(message));
  const codes = record.points.map((p) => p.exitCode ?? 0);
  let exitCode = Math.max(0, ...codes);
  if (exitCode === 0 && record.points.some((p) => p.status !== 'complete')) {
    exitCode = signal?.aborted === true ? ExitCode.interrupted : ExitCode.platform;
  }
  const result: SweepResult = {
    sweep: record,
    makespanSeconds,
    records,
    exitCode,
    ...(items === undefined ? {} : { items }),
  };
  for (const message of mergeWarnings) yield { type: 'warning', message };
  yield { type: 'done', result };
  return result;
}

/**
 * A batch chunk's run: the harness runs its items, and output globs apply inside each item's
 * folder. (Chunks share code and params; the in-flight twin check tells them apart by their
 * kernels, one per chunk.)
 */
function batchRun(
  job: Job,
  point: SweepPoint,
  mode: BatchMode | undefined,
): { job: Job; batch: RunInternals['batch'] } {
  if (point.items === undefined) return { job, batch: undefined };
  return {
    job:
      job.outputs.length === 0 ? job : { ...job, outputs: job.outputs.map((g) => `items/*/${g}`) },
    batch: { items: point.items, mode: mode ?? 'per-item' },
  };
}

function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
