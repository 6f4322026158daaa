// One run, end to end, as an async generator of typed events:
// resolve -> record -> pack -> render -> push -> watch -> fetch -> record.
// The record is written before the push and after every step (lifecycle.ts), so a killed
// process leaves a run that can be understood (and, on Kaggle, re-attached). `runJob` is the
// public entry; a sweep resolves its job once and runs each point through `runResolved`.

import type { BatchMode } from '../config/batch-schema.js';
import { access, mkdir, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JobOverrides } from '../config/resolve.js';
import { resolveJob } from '../config/resolve.js';
import { UsageError, errorMessage, type CapacityError } from '../errors.js';
import { renderHarness, settingsForJob } from '../harness/render.js';
import type { BatchItem } from '../harness/settings.js';
import type { Job, Params } from '../job.js';
import { packProject } from '../pack/index.js';
import { capabilitiesOf } from '../platform/capabilities.js';
import { createPlatform } from '../platform/create-platform.js';
import type { Platform, PushRequest, RunHandle } from '../platform/platform.js';
import { RunStore } from '../store/run-store.js';
import { newNonce, newRunId } from '../store/run-id.js';
import { jobSlug, slugify } from '../util/slug.js';
import type { RunEvent } from './events.js';
import { finishRun } from './finish-run.js';
import { RunLifecycle } from './lifecycle.js';
import { recordFailure } from './record-failure.js';
import { attachRun, findRunInFlight } from './attach-run.js';
import { lockRun } from '../store/run-lock.js';
import { leaseKernel, type KernelLease } from '../store/kernel-lease.js';
import { checkNotebook } from './check-notebook.js';
import { parseRequirements } from '../requirements/parse-requirements.js';
import { planWheelCache } from '../requirements/wheel-cache.js';
import { shipRun } from '../ship/ship-run.js';
import { pushWhenFree } from './push-when-free.js';
import type { RunRecord } from './record.js';
import { checkOutputFiles } from './output-files.js';
import { plainParams } from '../config/param-value.js';

export interface RunOptions extends JobOverrides {
  /** The project folder (or any folder inside it); default the current folder. */
  dir?: string;
  /** Where outputs land (`{runId}` is replaced by the run's id); default `.kaggle-run/runs/<runId>/outputs`. */
  outputDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Aborting detaches: the local run is stopped, a Kaggle run goes on. */
  signal?: AbortSignal;
  /** A platform to use instead of the one the job names (tests, host programs). */
  platformInstance?: Platform;
  /** How long to wait for a free Kaggle session when the session cap is reached. */
  queueTimeoutSeconds?: number;
  /** Push, record, and return without waiting (Kaggle only: the run goes on remotely). */
  detach?: boolean;
  /** Push even when an identical run (same code, params, accelerator) is in flight. */
  forceNew?: boolean;
  /**
   * Outputs also copied to an exact local path, `{REMOTE: LOCAL}` (LOCAL relative to the
   * current folder); a run that does not bring one back fails (exit 1).
   */
  outputFiles?: Record<string, string>;
}

/**
 * What a scheduler (a sweep, a batch, the typed `run()`) sets on a run of an already
 * resolved job; never part of the public options.
 */
export interface RunInternals {
  /** Values applied over the job's params, profile and -p flags (a sweep point's). */
  params?: Params | undefined;
  /** The kernel slug to push to instead of `kaggle-run-<name>` (a sweep point's own kernel). */
  kernelSlug?: string | undefined;
  /**
   * How to wait before pushing again when the session cap refused a push (a sweep wakes
   * its waiting points early when one of its own sessions ends); default a plain sleep.
   */
  sessionWait?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Told when the platform refused a push for its session cap (a sweep learns the cap). */
  onCapacity?: ((error: CapacityError) => void) | undefined;
  /**
   * Awaited just before the push, once the code is packed and shipped, the kernel leased and
   * its version read: a sweep holds its points here until a session is free, so the next
   * point only has to push the moment one ends.
   */
  beforePush?: ((signal?: AbortSignal) => Promise<void>) | undefined;
  /** The sweep or batch this run belongs to (kept in its record). */
  sweepId?: string | undefined;
  /** A batch chunk: the harness runs the entry once per item, as `mode` says. */
  batch?: { items: BatchItem[]; mode: BatchMode } | undefined;
}

const DEFAULT_QUEUE_TIMEOUT_SECONDS = 30 * 60;

export { INLINE_SOURCE_LIMIT } from '../ship/ship-run.js';

/** Replaces each value with *** (longest first, so a value inside another goes too). */
function maskerFor(values: string[]): ((text: string) => string) | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...new Set(values)].sort((a, b) => b.length - a.length);
  return (text) => sorted.reduce((out, value) => out.split(value).join('***'), text);
}

/** What the record says of the docker image: the pinning, the image, or null (Kaggle's default). */
function imageLabel(job: Job): string | null {
  if (job.image === undefined) return null;
  return 'pinning' in job.image ? job.image.pinning : job.image.image;
}

export function kernelSlugFor(job: Job): string {
  return jobSlug(job.name);
}

async function ensureWritable(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new UsageError(`output folder ${dir} is not writable: ${errorMessage(error)}`, {
      hint: 'choose another folder with --output-dir, or fix its permissions',
    });
  }
}

/** One run of the job in `options.dir`, resolved from its spec and the options. */
export async function* runJob(options: RunOptions = {}): AsyncGenerator<RunEvent, RunRecord> {
  const env = options.env ?? process.env;
  const { job, warnings } = await resolveJob(resolve(options.dir ?? '.'), options, env);
  return yield* runResolved(job, warnings, options);
}

/**
 * One run of a job resolved already (a sweep resolves its job once for all its points).
 * The job is not changed: a point's values make a copy.
 */
export async function* runResolved(
  resolved: Job,
  resolvedWarnings: readonly string[],
  options: RunOptions,
  internals: RunInternals = {},
): AsyncGenerator<RunEvent, RunRecord> {
  const env = options.env ?? process.env;
  const job: Job =
    internals.params === undefined
      ? resolved
      : { ...resolved, params: { ...resolved.params, ...internals.params } };
  const warnings = [...resolvedWarnings, ...(await checkNotebook(job))];
  // Requirements pip would refuse, or that cannot work in a session, stop the run before
  // anything is recorded or pushed, on every platform.
  if (job.requirements !== undefined) await parseRequirements(job.root, job.requirements);
  const store = new RunStore(job.root, env);
  const runId = newRunId(slugify(job.name));
  const outputFiles =
    options.outputFiles === undefined ? [] : checkOutputFiles(options.outputFiles, process.cwd());
  const outputDir = resolve(
    options.outputDir?.replaceAll('{runId}', runId) ?? join(store.runDir(runId), 'outputs'),
  );
  const platformWarnings: string[] = [];
  const capabilities = options.platformInstance?.capabilities ?? capabilitiesOf(job.platform);
  if (options.detach === true && !capabilities.outlivesProcess) {
    throw new UsageError(
      '--detach needs a remote platform: a local run ends with the process that runs it',
      {
        hint: 'add --kaggle, or drop --detach',
      },
    );
  }
  const platform =
    options.platformInstance ??
    (await createPlatform(job, env, (message) => platformWarnings.push(message)));
  if (options.outputDir !== undefined) await ensureWritable(outputDir);
  // Before the record and the pack: a run that cannot reach its platform leaves nothing.
  await platform.preflight?.(options.signal);

  const record: RunRecord = {
    schemaVersion: 1,
    runId,
    job: job.name,
    projectRoot: job.root,
    entry: job.entry,
    platform: platform.name,
    endpoint: job.endpoint ?? null,
    kernel: null,
    kernelUrl: null,
    version: null,
    nonce: newNonce(),
    status: 'queued',
    step: 'created',
    exitCode: null,
    params: plainParams(job.params),
    profile: job.profile ?? null,
    accelerator: job.accelerator,
    timeoutSeconds: job.timeoutSeconds,
    acceleratorSeen: null,
    pythonVersion: null,
    codeHash: null,
    createdAt: new Date().toISOString(),
    startedAt: null,
    endedAt: null,
    outputDir,
    outputGlobs: job.outputs,
    outputs: [],
    ...(outputFiles.length === 0 ? {} : { outputFiles }),
    warnings: [...warnings],
    ...(internals.sweepId === undefined ? {} : { sweepId: internals.sweepId }),
    shipping: null,
    error: null,
  };
  yield { type: 'resolved', runId, job };
  for (const message of warnings) yield { type: 'warning', message };
  const life = await RunLifecycle.create(store, record);
  const lock = await lockRun(store.runDir(runId), runId);
  const warn = (message: string): RunEvent => {
    life.warn(message);
    return { type: 'warning', message };
  };

  let handle: RunHandle | undefined;
  let lease: KernelLease | undefined;
  try {
    const pack = await packProject({
      root: job.root,
      include: job.include,
      exclude: job.exclude,
      outPath: join(store.runDir(runId), 'code.zip'),
      cacheDir: join(store.root, 'cache', 'pack'),
    });
    if (!pack.files.includes(job.entry)) {
      throw new UsageError(`the entry ${job.entry} is not among the packed files`, {
        hint: 'it is ignored by git, .gitignore, .kaggleignore or `exclude`; add it to `include` in kaggle-run.yaml',
      });
    }
    await life.packed(pack.codeHash);
    yield {
      type: 'packed',
      files: pack.fileCount,
      bytes: pack.zipBytes,
      codeHash: pack.codeHash,
      excluded: pack.excluded,
    };
    for (const left of pack.excluded) yield warn(`not packed: ${left.path} (${left.reason})`);

    if (capabilities.outlivesProcess && options.forceNew !== true) {
      const twin = await findRunInFlight(store, record, internals.kernelSlug ?? kernelSlugFor(job));
      if (twin !== undefined) {
        // This attempt never reached the platform: drop it and follow the twin instead.
        await lock.release();
        await rm(store.runDir(runId), { recursive: true, force: true });
        if (options.detach === true) {
          // Detached: nothing to wait for here; the twin goes on and is named instead.
          yield warn(
            `an identical run (${twin.runId}: same code, params and accelerator) is still in flight; not pushing again: follow it with \`kaggle-run logs ${twin.runId} -f\` (--new pushes another)`,
          );
          yield { type: 'done', record: twin };
          return twin;
        }
        yield warn(
          `an identical run (${twin.runId}: same code, params and accelerator) is still in flight; attaching to it instead of pushing again (--new pushes another)`,
        );
        return yield* attachRun({
          dir: job.root,
          run: twin.runId,
          env,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          platformInstance: platform,
        });
      }
    }

    for (const note of (await platform.notes?.(job, pack.files, env)) ?? []) yield warn(note);
    // Requirements the platform installs before the push (locally: the project's venv) are
    // not installed again by the harness.
    let installed = false;
    if (platform.installRequirements !== undefined && job.requirements !== undefined) {
      await life.installing();
      installed = yield* platform.installRequirements(job, store.root, env, options.signal);
    }
    // Requirements the session installs: from the wheels an earlier session kept, if known.
    const wheelCache =
      !installed && job.requirements !== undefined && capabilities.outputsAsSources
        ? await planWheelCache({
            root: job.root,
            storeRoot: store.root,
            endpoint: job.endpoint,
            requirements: await parseRequirements(job.root, job.requirements),
            image: imageLabel(job),
          })
        : undefined;
    const shipment = yield* shipRun(platform, {
      job,
      runId,
      runDir: store.runDir(runId),
      pack,
      storeRoot: store.root,
      env,
      signal: options.signal,
      render: (code, envFile, codeZip) =>
        renderHarness(
          settingsForJob(job, {
            runId,
            nonce: record.nonce,
            code,
            strictAccelerator: capabilities.strictAcceleratorCheck,
            dropUnchangedCode: capabilities.savesWorkingFolder,
            requirementsInstalled: installed,
            wheelCache: wheelCache?.settings,
            envFile,
            batch: internals.batch,
          }),
          codeZip,
        ),
    });
    await life.shipped(shipment.shipping, imageLabel(job), wheelCache?.record ?? null);

    let slug = internals.kernelSlug ?? kernelSlugFor(job);
    if (capabilities.sharedKernels) {
      lease = await leaseKernel(store, slug, record, (candidate) =>
        platform.kernelBusy === undefined
          ? Promise.resolve(false)
          : platform.kernelBusy(candidate, options.signal),
      );
      for (const busy of lease.skipped) {
        yield warn(
          `kernel ${busy.slug} is busy with ${busy.runId === null ? 'a run outside this project' : `run ${busy.runId}`}; pushing to ${lease.slug} instead (Kaggle reports only a kernel's latest version)`,
        );
      }
      slug = lease.slug;
    }
    const request: PushRequest = {
      runId,
      nonce: record.nonce,
      slug,
      title: slug,
      source: shipment.source,
      inputs: shipment.inputs,
      inputMap: shipment.inputMap,
      accelerator: job.accelerator,
      timeoutSeconds: job.timeoutSeconds,
      internet: job.internet,
      private: job.private,
      datasets: shipment.datasets,
      competitions: job.competitions,
      models: job.models,
      kernels: job.kernels,
      wheelCache: wheelCache?.source,
      image: job.image,
    };
    if (platform.prepare !== undefined) {
      // Written before the push, so a process killed mid-push leaves a checkable record.
      const prepared = await platform.prepare(request, options.signal);
      await life.pushing(prepared.kernel, prepared.versionBefore);
    }
    // Last, so that a freed session costs the next point only the push itself. A process
    // killed while waiting here leaves a `pushing` record whose kernel has not moved past
    // the version read: attach finds it never reached the platform (attach-run.ts).
    await internals.beforePush?.(options.signal);
    try {
      handle = yield* pushWhenFree(platform, request, {
        signal: options.signal,
        queueTimeoutMs: (options.queueTimeoutSeconds ?? DEFAULT_QUEUE_TIMEOUT_SECONDS) * 1000,
        ...(internals.sessionWait === undefined ? {} : { sleep: internals.sessionWait }),
        onCapacity: internals.onCapacity,
      });
    } finally {
      // Env values stay on disk only until the platform has them (copied or uploaded).
      await Promise.all(shipment.cleanup.map((path) => rm(path, { force: true })));
    }
    await life.pushed(handle);
    for (const message of platformWarnings.splice(0)) yield warn(message);
    yield { type: 'pushed', handle };
    if (options.detach === true) {
      yield { type: 'done', record };
      return record;
    }

    return yield* finishRun({
      platform,
      handle,
      life,
      signal: options.signal,
      mask: maskerFor(shipment.maskValues),
      env,
      storeRoot: store.root,
      explainFailure:
        platform.explainFailure === undefined
          ? undefined
          : (stderr) => platform.explainFailure!(stderr, job.root),
    });
  } catch (error) {
    throw await recordFailure(error, { life, platform, handle, signal: options.signal });
  } finally {
    // An unfinished run keeps its kernel (attach needs its latest version); a finished one
    // frees it (a lease of a finished run counts as free anyway: this only tidies).
    if (life.finished) await lease?.release().catch(() => {});
    await lock.release();
  }
}
