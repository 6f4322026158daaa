// `kaggle-run push KERNEL_DIR`: a folder as the official CLI pushes it (kernel-metadata.json
// + code file), pushed the same way, then waited on and its outputs fetched as any run's are
// (finish-run.ts), with the live log on the way. No harness runs, so outputs are taken as
// listed (no manifest to check) and the kernel's status is the run's.

import { join, resolve } from 'node:path';
import { writeFile, mkdir } from 'node:fs/promises';
import { kagglePlatform } from '../platform/create-platform.js';
import { applyAccelerator, readKernelFolder, refOf } from '../kaggle/kernel-metadata.js';
import { findInvalidSources, invalidSourcesError } from '../kaggle/check-sources.js';
import { pushKernel } from '../kaggle/safe-push.js';
import type { RemoteStatus, RunHandle } from '../platform/platform.js';
import type { RunEvent } from '../run/events.js';
import { finishRun } from '../run/finish-run.js';
import { RunLifecycle, type RecordKeeper } from '../run/lifecycle.js';
import type { OutputRecord, RunRecord } from '../run/record.js';
import type { LogLine } from '../store/run-store.js';

export interface PushFolderOptions {
  dir: string;
  endpoint?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  accelerator?: string | undefined;
  timeoutSeconds?: number | undefined;
  /** Where outputs land; default `<dir>/output`. */
  dest?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface PushFolderResult {
  kernel: string;
  version: number | null;
  url: string | null;
  status: RemoteStatus;
  dest: string;
  outputs: OutputRecord[];
}

export async function* pushKernelFolder(
  options: PushFolderOptions,
): AsyncGenerator<RunEvent, PushFolderResult> {
  const dir = resolve(options.dir);
  const folder = await readKernelFolder(dir);
  const warnings: string[] = [];
  const platform = await kagglePlatform({
    endpoint: options.endpoint,
    env: options.env,
    onWarning: (m) => warnings.push(m),
  });
  const client = await platform.connect(options.signal);
  const ref = refOf(folder, client.username);
  const request = applyAccelerator(
    { ...folder.request, slug: `${ref.owner}/${ref.slug}` },
    options.accelerator,
  );
  if (options.timeoutSeconds !== undefined) request.sessionTimeoutSeconds = options.timeoutSeconds;
  for (const message of warnings.splice(0)) yield { type: 'warning', message };
  // Kaggle would take the push and run it without a source it cannot find: a typo stops here.
  const missing = invalidSourcesError(
    await findInvalidSources(
      client,
      {
        datasets: request.datasetDataSources ?? [],
        kernels: request.kernelDataSources ?? [],
        competitions: request.competitionDataSources ?? [],
        models: request.modelDataSources ?? [],
      },
      options.signal,
    ),
  );
  if (missing !== undefined) throw missing;
  const pushed = await pushKernel(client.kernels, ref, request, { signal: options.signal });
  // As the official CLI prints them: the version runs, without what Kaggle could not add.
  const { tags, ...sources } = pushed.invalid;
  for (const [what, refs] of Object.entries(sources)) {
    if (refs.length > 0) {
      yield {
        type: 'warning',
        message: `Kaggle did not attach ${what} ${refs.join(', ')}: version ${pushed.versionNumber ?? '?'} runs without them`,
      };
    }
  }
  if (tags.length > 0) {
    yield { type: 'warning', message: `Kaggle did not add the tags ${tags.join(', ')}` };
  }
  const handle: RunHandle = {
    platform: platform.name,
    kernel: `${ref.owner}/${ref.slug}`,
    version: pushed.versionNumber,
    nonce: '',
    url: pushed.url,
  };
  yield { type: 'pushed', handle };

  // Watched and fetched as a run is (finish-run.ts), with its record kept in memory only.
  const dest = resolve(options.dest ?? join(dir, 'output'));
  await mkdir(dest, { recursive: true });
  const keeper = new MemoryKeeper(dest);
  const life = RunLifecycle.resume(keeper, pushRecord(handle, dir, dest, request));
  const events = finishRun({
    platform,
    handle,
    life,
    signal: options.signal,
    harness: false,
    env: options.env,
  });
  for (let next = await events.next(); next.done !== true; next = await events.next()) {
    // The push's own result ends it, not a run record.
    if (next.value.type !== 'done') yield next.value;
  }
  // As the official CLI does: the log beside the outputs, named after the kernel.
  await writeFile(join(dest, `${ref.slug}.log`), keeper.lines.map((l) => l.text).join(''));
  return {
    kernel: handle.kernel,
    version: handle.version,
    url: handle.url ?? null,
    status: life.record.status,
    dest,
    outputs: life.record.outputs,
  };
}

/** A record of the push, kept in memory: `push` writes no run record. */
function pushRecord(
  handle: RunHandle,
  dir: string,
  dest: string,
  request: { sessionTimeoutSeconds?: number | undefined },
): RunRecord {
  const now = new Date().toISOString();
  return {
    schemaVersion: 1,
    runId: handle.kernel.replace('/', '-'),
    job: handle.kernel,
    projectRoot: dir,
    entry: '',
    platform: handle.platform,
    endpoint: null,
    kernel: handle.kernel,
    kernelUrl: handle.url ?? null,
    version: handle.version,
    ...(request.sessionTimeoutSeconds === undefined
      ? {}
      : { timeoutSeconds: request.sessionTimeoutSeconds }),
    nonce: '',
    status: 'queued',
    step: 'pushed',
    exitCode: null,
    params: {},
    profile: null,
    accelerator: 'none',
    acceleratorSeen: null,
    pythonVersion: null,
    codeHash: null,
    createdAt: now,
    startedAt: now,
    endedAt: null,
    outputDir: dest,
    outputGlobs: [],
    outputs: [],
    warnings: [],
    error: null,
  };
}

/** The log in memory (written beside the outputs at the end); the record nowhere. */
class MemoryKeeper implements RecordKeeper {
  readonly lines: LogLine[] = [];
  constructor(private readonly dest: string) {}
  save(): Promise<void> {
    return Promise.resolve();
  }
  appendLog(_runId: string, lines: LogLine[]): Promise<void> {
    for (const line of lines) this.lines.push(line);
    return Promise.resolve();
  }
  readLog(): Promise<LogLine[]> {
    return Promise.resolve([...this.lines]);
  }
  /** No harness manifest comes from a plain kernel; one of that name is kept out of sight. */
  runDir(): string {
    return join(this.dest, '.kaggle-run-push');
  }
}
