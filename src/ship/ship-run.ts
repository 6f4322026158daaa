// Gets a run's code, data and env vars to where its kernel will find them, and renders the
// harness that finds them there. On the local platform they are files copied into the
// sandbox's input folder; on Kaggle the code goes inline in the kernel source, as a private
// dataset (content-addressed: an unchanged zip is not uploaded again) or as a git commit,
// and each `data:` path and the env file become private datasets, READY before the push.

import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readEnv } from '../env.js';
import { InternalError, UsageError } from '../errors.js';
import type { HarnessCode } from '../harness/settings.js';
import type { Job } from '../job.js';
import type { PackResult } from '../pack/index.js';
import type { DatasetAccess, Platform } from '../platform/platform.js';
import type { RunEvent } from '../run/events.js';
import type { ShippingRecord } from '../run/record.js';
import { sha256File } from '../util/hash.js';
import { slugify } from '../util/slug.js';
import { collectDataFiles, contentHashOf } from './data-files.js';
import { ensureDataset } from './ensure-dataset.js';
import { shipContent } from './ship-content.js';
import type { ShippedDataset } from './ensure-dataset.js';
import { readEnvFile } from './env-file.js';
import { shipGitCode } from './git-code.js';
import { ShippingCache } from './shipping-cache.js';

/** Kaggle's kernel source limit is about 1 MiB; inline code must fit under it. */
export const INLINE_SOURCE_LIMIT = 1024 * 1024;
/** Where the local platform puts the code zip, relative to the input folder. */
const LOCAL_CODE_TARGET = 'kaggle-run-code/code.zip';
const LOCAL_ENV_TARGET = 'kaggle-run-env/env.json';
const DEFAULT_READY_TIMEOUT_SECONDS = 600;
/** As in the harness: shorter values would mask ordinary words in the log. */
const MASK_MIN_LENGTH = 4;

export interface ShipRunContext {
  job: Job;
  runId: string;
  /** The run's own folder (for the env file while it is shipped). */
  runDir: string;
  pack: PackResult;
  platform: Platform;
  storeRoot: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  /** The harness for a code location and env file; `codeZip` for inline code. */
  render(code: HarnessCode, envFile: { path: string } | undefined, codeZip?: Uint8Array): string;
}

export interface Shipment {
  source: string;
  /** Files the local platform copies into the input folder. */
  inputs: { localPath: string; target: string }[];
  /** Dataset refs to attach: the job's own and the shipped ones (pinned to their version). */
  datasets: string[];
  shipping: ShippingRecord;
  /** Local files holding env values: deleted once the platform has taken them. */
  cleanup: string[];
  /** Env-file values, masked in the log as the harness masks them (defence in depth). */
  maskValues: string[];
}

export async function* shipRun(ctx: ShipRunContext): AsyncGenerator<RunEvent, Shipment> {
  const { job } = ctx;
  if (job.envFile !== undefined && !job.private) {
    throw new UsageError(
      `env_file ships ${job.envFile.path}'s variables to the kernel, and this kernel is public (private: false)`,
      { hint: 'make the kernel private (private: true), or use Kaggle secrets (`secrets:`)' },
    );
  }
  if (ctx.platform.name === 'local') return yield* shipLocal(ctx);
  return yield* shipToKaggle(ctx, lazyAccess(ctx));
}

/** Connects for datasets only when something has to go in one. */
function lazyAccess(ctx: ShipRunContext): () => Promise<DatasetAccess> {
  let access: Promise<DatasetAccess> | undefined;
  return () => {
    const platform = ctx.platform;
    if (platform.datasetAccess === undefined) {
      throw new UsageError(
        `the ${platform.name} platform cannot hold datasets, so this job cannot ship`,
        {
          hint: 'ship the code inline (code: inline) and drop data: and env_file:',
        },
      );
    }
    access ??= platform.datasetAccess(ctx.signal);
    return access;
  };
}

async function* shipLocal(ctx: ShipRunContext): AsyncGenerator<RunEvent, Shipment> {
  const { job } = ctx;
  const remoteOnly = [
    ...job.datasets.map((r) => `dataset ${r}`),
    ...job.competitions.map((r) => `competition ${r}`),
    ...job.models.map((r) => `model ${r}`),
    ...job.kernels.map((r) => `kernel ${r}`),
  ];
  if (remoteOnly.length > 0) {
    yield {
      type: 'warning',
      message: `the local platform cannot attach Kaggle sources (${remoteOnly.join(', ')}); they are attached on Kaggle only — download them into a data: folder to have them here`,
    };
  }
  const inputs = [{ localPath: ctx.pack.zipPath, target: LOCAL_CODE_TARGET }];
  const shipping: ShippingRecord = emptyRecord('local');
  for (const mapping of job.data) {
    const { files, excluded } = await collectDataFiles(job.root, mapping.path);
    for (const left of excluded) yield notShipped(left);
    inputs.push(
      ...files.map((f) => ({ localPath: f.localPath, target: `${mapping.slug}/${f.name}` })),
    );
    shipping.data.push({
      path: mapping.path,
      dataset: mapping.slug,
      version: null,
      uploaded: false,
    });
  }
  const cleanup: string[] = [];
  const maskValues: string[] = [];
  let envFile: { path: string } | undefined;
  if (job.envFile !== undefined) {
    const path = await writeEnvJson(ctx, maskValues);
    cleanup.push(path);
    inputs.push({ localPath: path, target: LOCAL_ENV_TARGET });
    envFile = { path: LOCAL_ENV_TARGET };
  }
  return {
    source: ctx.render({ mode: 'file', path: LOCAL_CODE_TARGET }, envFile),
    inputs,
    datasets: job.datasets,
    shipping,
    cleanup,
    maskValues,
  };
}

async function* shipToKaggle(
  ctx: ShipRunContext,
  connect: () => Promise<DatasetAccess>,
): AsyncGenerator<RunEvent, Shipment> {
  const { job, signal } = ctx;
  const access = job.data.length > 0 || job.envFile !== undefined ? await connect() : undefined;
  const cache = await ShippingCache.open(ctx.storeRoot);
  const readySeconds = Number(readEnv('KAGGLE_RUN_DATASET_READY_TIMEOUT', ctx.env) ?? NaN);
  const options = {
    readyTimeoutMs:
      (Number.isFinite(readySeconds) && readySeconds > 0
        ? readySeconds
        : DEFAULT_READY_TIMEOUT_SECONDS) * 1000,
    signal,
  };
  const datasets = [...job.datasets];
  const shipping = emptyRecord('inline');
  const cleanup: string[] = [];
  const maskValues: string[] = [];

  let envFile: { path: string } | undefined;
  if (access !== undefined) {
    for (const mapping of job.data) {
      const key = ShippingCache.key(access.endpoint, `${access.owner}/${mapping.slug}`);
      const data = await collectDataFiles(job.root, mapping.path, cache.get(key)?.files ?? []);
      for (const left of data.excluded) yield notShipped(left);
      const shipped = await shipContent(
        access,
        cache,
        { slug: mapping.slug, kind: 'data', files: data.files, contentHash: data.contentHash },
        options,
      );
      yield shippedEvent('data', shipped);
      shipping.bytesUploaded += shipped.bytesUploaded;
      shipping.data.push({
        path: mapping.path,
        dataset: shipped.ref,
        version: shipped.version,
        uploaded: shipped.uploaded,
      });
      datasets.push(pinned(shipped));
    }
    if (job.envFile !== undefined) {
      const path = await writeEnvJson(ctx, maskValues);
      cleanup.push(path);
      const { sha256, size } = await sha256File(path);
      const file = { name: 'env.json', localPath: path, size, mtimeMs: 0, sha256 };
      const slug = derivedSlug(job, 'env');
      const shipped = await shipContent(
        access,
        cache,
        { slug, kind: 'env', files: [file], contentHash: contentHashOf([file]) },
        options,
      );
      yield shippedEvent('env', shipped);
      shipping.bytesUploaded += shipped.bytesUploaded;
      datasets.push(pinned(shipped));
      envFile = { path: `${slug}/env.json` };
    }
  }

  const code = yield* shipCode(ctx, connect, envFile, options);
  shipping.mode = code.mode;
  shipping.bytesUploaded += code.bytesUploaded;
  shipping.dataset = code.dataset?.ref ?? null;
  shipping.datasetVersion = code.dataset?.version ?? null;
  shipping.commit = code.commit;
  if (code.dataset !== undefined) datasets.push(pinned(code.dataset));
  const bytes = Buffer.byteLength(code.source);
  if (code.mode !== 'inline' && bytes > INLINE_SOURCE_LIMIT) {
    // The code is elsewhere, so what fills the source is the settings: a batch's items.
    throw new UsageError(
      `the kernel source is ${(bytes / 1048576).toFixed(1)} MiB without the code, over Kaggle's ~1 MiB limit: the settings (a batch's items) are too big`,
      { hint: 'put fewer items in each session (batch.per_session / --per-session)' },
    );
  }
  return { source: code.source, inputs: [], datasets, shipping, cleanup, maskValues };
}

interface ShippedCode {
  mode: 'inline' | 'dataset' | 'git';
  source: string;
  bytesUploaded: number;
  dataset: ShippedDataset | undefined;
  commit: string | null;
}

async function* shipCode(
  ctx: ShipRunContext,
  connect: () => Promise<DatasetAccess>,
  envFile: { path: string } | undefined,
  options: { readyTimeoutMs: number; signal?: AbortSignal | undefined },
): AsyncGenerator<RunEvent, ShippedCode> {
  const { job, pack } = ctx;
  if (job.code === 'git') {
    if (!job.internet) {
      throw new UsageError('code: git makes the kernel clone the repository, and internet is off', {
        hint: 'set internet: true, or ship the code inline or as a dataset (code: dataset)',
      });
    }
    const git = await shipGitCode(job, ctx.runId, {
      env: ctx.env,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    for (const message of git.warnings) yield { type: 'warning', message };
    yield { type: 'shipped-git', url: git.url, commit: git.commit, snapshot: git.snapshot };
    const source = ctx.render(
      {
        mode: 'git',
        url: git.url,
        commit: git.commit,
        ref: git.ref,
        subdir: git.subdir,
        tokenSecret: job.git.tokenSecret ?? null,
      },
      envFile,
    );
    return { mode: 'git', source, bytesUploaded: 0, dataset: undefined, commit: git.commit };
  }
  if (job.code !== 'dataset') {
    const source = ctx.render({ mode: 'inline' }, envFile, await readFile(pack.zipPath));
    const bytes = Buffer.byteLength(source);
    if (bytes <= INLINE_SOURCE_LIMIT) {
      return { mode: 'inline', source, bytesUploaded: 0, dataset: undefined, commit: null };
    }
    if (job.code === 'inline') {
      throw new UsageError(
        `the packed code makes a kernel source of ${(bytes / 1048576).toFixed(1)} MiB, over Kaggle's ~1 MiB limit for inline code`,
        {
          hint: 'ship it as a dataset (code: dataset, or code: auto), or leave large files out with `exclude` / .kaggleignore',
        },
      );
    }
  }
  // Named by its hash: a kernel that somehow got an older version fails to find the file
  // instead of running old code, and an unchanged zip is recognised without any cache.
  const access = await connect();
  const slug = derivedSlug(job, 'code');
  const name = `code-${pack.codeHash.slice(0, 16)}.zip`;
  const shipped = await ensureDataset(
    access.datasets,
    {
      owner: access.owner,
      slug,
      title: slug,
      files: [{ name, localPath: pack.zipPath, size: pack.zipBytes }],
      notes: `kaggle-run code sha256:${pack.codeHash}`,
      unchanged: (latest) =>
        latest.files.some((f) => f.name === name && f.totalBytes === pack.zipBytes),
    },
    options,
  );
  yield shippedEvent('code', shipped);
  const source = ctx.render({ mode: 'file', path: `${slug}/${name}` }, envFile);
  return {
    mode: 'dataset',
    source,
    bytesUploaded: shipped.bytesUploaded,
    dataset: shipped,
    commit: null,
  };
}

function emptyRecord(mode: ShippingRecord['mode']): ShippingRecord {
  return { mode, bytesUploaded: 0, dataset: null, datasetVersion: null, commit: null, data: [] };
}

/** `<kernel slug>-code` / `-env`, within Kaggle's 50 characters. */
function derivedSlug(job: Job, suffix: string): string {
  const base = `kaggle-run-${slugify(job.name)}`.slice(0, 49 - suffix.length).replace(/-+$/, '');
  return `${base}-${suffix}`;
}

function pinned(shipped: ShippedDataset): string {
  return shipped.version === null ? shipped.ref : `${shipped.ref}/${shipped.version}`;
}

function shippedEvent(what: 'code' | 'data' | 'env', shipped: ShippedDataset): RunEvent {
  return {
    type: 'shipped',
    what,
    dataset: shipped.ref,
    version: shipped.version,
    uploaded: shipped.uploaded,
    bytes: shipped.bytesUploaded,
  };
}

function notShipped(left: { path: string; reason: string }): RunEvent {
  return { type: 'warning', message: `not shipped: ${left.path} (${left.reason})` };
}

/** The chosen variables as JSON, readable by this user only, in the run's folder. */
async function writeEnvJson(ctx: ShipRunContext, maskValues: string[]): Promise<string> {
  if (ctx.job.envFile === undefined) {
    throw new InternalError('writeEnvJson: the job has no env_file');
  }
  const values = await readEnvFile(ctx.job.root, ctx.job.envFile);
  maskValues.push(...Object.values(values).filter((v) => v.length >= MASK_MIN_LENGTH));
  const path = join(ctx.runDir, 'env.json');
  await writeFile(path, JSON.stringify(values), { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}
