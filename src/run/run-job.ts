// One run, end to end, as an async generator of typed events:
// resolve -> record -> pack -> render -> push -> watch -> fetch -> record.
// The record is written before the push and after every step, so a killed process leaves a
// run that can be understood (and, on Kaggle, re-attached).

import { access, mkdir, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JobOverrides } from '../config/resolve.js';
import { resolveJob } from '../config/resolve.js';
import {
  InterruptedError,
  KaggleRunError,
  PlatformError,
  UsageError,
  errorMessage,
} from '../errors.js';
import { renderHarness, settingsForJob } from '../harness/render.js';
import type { Job } from '../job.js';
import { packProject } from '../pack/index.js';
import { createPlatform } from '../platform/create-platform.js';
import { sandboxAvailable } from '../platform/local/sandbox.js';
import {
  isTerminal,
  type Platform,
  type RemoteStatus,
  type RunHandle,
} from '../platform/platform.js';
import { RunStore } from '../store/run-store.js';
import { newNonce, newRunId } from '../store/run-id.js';
import { slugify } from '../util/slug.js';
import type { RunEvent } from './events.js';
import { fetchOutputs, manifestPathFor } from './fetch-outputs.js';
import { LogWriter } from './log-writer.js';
import { checkNotebookTakesParams } from './check-notebook.js';
import { pushWhenFree } from './push-when-free.js';
import { finalStatus } from './final-status.js';
import type { RunRecord } from './record.js';

export interface RunOptions extends JobOverrides {
  /** The project folder (or any folder inside it); default the current folder. */
  dir?: string;
  /** Where outputs land; default `.kaggle-run/runs/<runId>/outputs`. */
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
}

const DEFAULT_QUEUE_TIMEOUT_SECONDS = 30 * 60;

/** Kaggle's kernel source limit is about 1 MiB; inline code must fit under it. */
export const INLINE_SOURCE_LIMIT = 1024 * 1024;
const CODE_INPUT_TARGET = 'kaggle-run-code/code.zip';

export function kernelSlugFor(job: Job): string {
  return `kaggle-run-${slugify(job.name)}`.slice(0, 50).replace(/-+$/, '');
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

async function mentionsKagglePaths(root: string, files: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const file of files) {
    if (!/\.(py|ipynb)$/.test(file)) continue;
    const text = await readFile(join(root, file), 'utf8').catch(() => '');
    if (text.includes('/kaggle/')) hits.push(file);
  }
  return hits;
}

export async function* runJob(options: RunOptions = {}): AsyncGenerator<RunEvent, RunRecord> {
  const env = options.env ?? process.env;
  const { job, warnings } = await resolveJob(resolve(options.dir ?? '.'), options, env);
  await checkNotebookTakesParams(job);
  const store = new RunStore(job.root, env);
  const runId = newRunId(slugify(job.name));
  const outputDir = resolve(options.outputDir ?? join(store.runDir(runId), 'outputs'));
  const platformWarnings: string[] = [];
  if (
    options.detach === true &&
    job.platform === 'local' &&
    options.platformInstance === undefined
  ) {
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
    params: job.params,
    profile: job.profile ?? null,
    accelerator: job.accelerator,
    acceleratorSeen: null,
    pythonVersion: null,
    codeHash: null,
    createdAt: new Date().toISOString(),
    startedAt: null,
    endedAt: null,
    outputDir,
    outputs: [],
    warnings: [...warnings],
    error: null,
  };
  yield { type: 'resolved', runId, job };
  for (const message of warnings) yield { type: 'warning', message };
  await store.create(record);
  const warn = (message: string): RunEvent => {
    record.warnings.push(message);
    return { type: 'warning', message };
  };

  let handle: RunHandle | undefined;
  try {
    const pack = await packProject({
      root: job.root,
      include: job.include,
      exclude: job.exclude,
      outPath: join(store.runDir(runId), 'code.zip'),
    });
    if (!pack.files.includes(job.entry)) {
      throw new UsageError(`the entry ${job.entry} is not among the packed files`, {
        hint: 'it is ignored by git, .gitignore, .kaggleignore or `exclude`; add it to `include` in kaggle-run.yaml',
      });
    }
    record.codeHash = pack.codeHash;
    record.step = 'packed';
    await store.save(record);
    yield {
      type: 'packed',
      files: pack.fileCount,
      bytes: pack.zipBytes,
      codeHash: pack.codeHash,
      excluded: pack.excluded,
    };
    for (const left of pack.excluded) yield warn(`not packed: ${left.path} (${left.reason})`);

    const local = platform.name === 'local';
    if (local && !(await sandboxAvailable(env))) {
      const hits = await mentionsKagglePaths(job.root, pack.files);
      if (hits.length > 0) {
        yield warn(
          `${hits.join(', ')} mention /kaggle/ paths, which exist here only inside bubblewrap (not available); use the KAGGLE_RUN_WORKING_DIR and KAGGLE_RUN_INPUT_DIR variables, or install bubblewrap`,
        );
      }
    }
    const settings = settingsForJob(job, {
      runId,
      nonce: record.nonce,
      code: local ? { mode: 'file', path: CODE_INPUT_TARGET } : { mode: 'inline' },
      strictAccelerator: !local,
    });
    const source = renderHarness(settings, local ? undefined : await readFile(pack.zipPath));
    if (!local && Buffer.byteLength(source) > INLINE_SOURCE_LIMIT) {
      throw new UsageError(
        `the packed code makes a kernel source of ${(Buffer.byteLength(source) / 1048576).toFixed(1)} MiB, over Kaggle's ~1 MiB limit for inline code`,
        {
          hint: 'leave large files out with `exclude` / .kaggleignore, or ship the code as a dataset (`code: dataset`)',
        },
      );
    }

    handle = yield* pushWhenFree(
      platform,
      {
        runId,
        nonce: record.nonce,
        slug: kernelSlugFor(job),
        title: kernelSlugFor(job),
        source,
        inputs: local ? [{ localPath: pack.zipPath, target: CODE_INPUT_TARGET }] : [],
        accelerator: job.accelerator,
        timeoutSeconds: job.timeoutSeconds,
        internet: job.internet,
        private: job.private,
        datasets: job.datasets,
      },
      {
        signal: options.signal,
        queueTimeoutMs: (options.queueTimeoutSeconds ?? DEFAULT_QUEUE_TIMEOUT_SECONDS) * 1000,
      },
    );
    Object.assign(record, {
      kernel: handle.kernel,
      kernelUrl: handle.url ?? null,
      version: handle.version,
      startedAt: new Date().toISOString(),
      step: 'pushed',
    });
    await store.save(record);
    for (const message of platformWarnings.splice(0)) yield warn(message);
    yield { type: 'pushed', handle };
    if (options.detach === true) {
      yield { type: 'done', record };
      return record;
    }

    record.step = 'watching';
    const log = new LogWriter(store, runId);
    let remote: RemoteStatus = 'queued';
    for await (const event of platform.watch(handle, options.signal)) {
      if (event.type === 'log') {
        await log.add(event.stream, event.text);
        yield event;
        continue;
      }
      remote = event.status;
      if (remote !== 'unknown' && !isTerminal(remote)) record.status = remote;
      await log.flush();
      await store.save(record);
      yield event;
    }
    await log.flush();
    if (options.signal?.aborted) throw new InterruptedError('interrupted');
    if (!isTerminal(remote))
      throw new PlatformError(
        `the platform stopped reporting before the run ended (last status: ${remote})`,
      );

    record.step = 'fetching';
    await store.save(record);
    const fetched = await fetchOutputs({
      platform,
      handle,
      outputDir,
      manifestPath: manifestPathFor(store.runDir(runId)),
      globs: job.outputs,
      nonce: record.nonce,
      signal: options.signal,
    });
    for (const message of fetched.warnings) yield warn(message);
    for (const file of fetched.outputs) yield { type: 'output', file };
    const final = finalStatus(remote, fetched.manifest);
    Object.assign(record, {
      outputs: fetched.outputs,
      status: final.status,
      exitCode: final.exitCode,
      error: final.error,
      acceleratorSeen: fetched.manifest?.acceleratorSeen ?? null,
      pythonVersion: fetched.manifest?.pythonVersion ?? null,
      endedAt: new Date().toISOString(),
      step: 'done',
    });
    await store.save(record);
    if (handle !== undefined) await platform.release?.(handle);
    yield { type: 'done', record };
    return record;
  } catch (error) {
    if (options.signal?.aborted && handle !== undefined) await platform.cancel?.(handle);
    const interrupted = error instanceof InterruptedError || options.signal?.aborted === true;
    record.error = {
      kind: interrupted ? 'interrupted' : error instanceof UsageError ? 'usage' : 'platform',
      message: errorMessage(error),
    };
    if (!interrupted) {
      record.status = 'error';
      record.endedAt = new Date().toISOString();
    }
    await store.save(record);
    if (handle !== undefined && !interrupted) await platform.release?.(handle);
    if (interrupted && !(error instanceof InterruptedError)) {
      throw new InterruptedError('interrupted', { cause: error });
    }
    if (error instanceof KaggleRunError) throw error;
    throw new PlatformError(errorMessage(error), { cause: error });
  }
}
