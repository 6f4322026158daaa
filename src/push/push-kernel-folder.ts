// `kaggle-run push KERNEL_DIR`: a folder as the official CLI pushes it (kernel-metadata.json
// + code file), pushed the same way, then waited on and its outputs fetched, with the live
// log on the way. No harness runs, so outputs are taken as listed (no manifest to check).

import { join, resolve } from 'node:path';
import { writeFile, mkdir } from 'node:fs/promises';
import { kagglePlatform } from '../platform/create-platform.js';
import { applyAccelerator, readKernelFolder, refOf } from '../kaggle/kernel-metadata.js';
import { findInvalidSources, invalidSourcesError } from '../kaggle/check-sources.js';
import { pushKernel } from '../kaggle/safe-push.js';
import { isTerminal, type RemoteStatus, type RunHandle } from '../platform/platform.js';
import { fetchOutputs } from '../run/fetch-outputs.js';
import type { RunEvent } from '../run/events.js';
import type { OutputRecord } from '../run/record.js';

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

  let status: RemoteStatus = 'queued';
  let log = '';
  for await (const event of platform.watch(handle, options.signal)) {
    if (event.type === 'log') log += event.text;
    else status = event.status;
    yield event;
  }
  const dest = resolve(options.dest ?? join(dir, 'output'));
  if (!isTerminal(status))
    return {
      kernel: handle.kernel,
      version: handle.version,
      url: handle.url ?? null,
      status,
      dest,
      outputs: [],
    };
  await mkdir(dest, { recursive: true });
  const fetched = await fetchOutputs({
    platform,
    handle,
    outputDir: dest,
    manifestPath: join(dest, '.kaggle-run-manifest.json'),
    globs: [],
    nonce: '',
    expectManifest: false,
    signal: options.signal,
  });
  for (const file of fetched.outputs) yield { type: 'output', file };
  // As the official CLI does: the log beside the outputs, named after the kernel.
  await writeFile(join(dest, `${ref.slug}.log`), log);
  return {
    kernel: handle.kernel,
    version: handle.version,
    url: handle.url ?? null,
    status,
    dest,
    outputs: fetched.outputs,
  };
}
