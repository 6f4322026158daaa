// What shipping works with: the run's context, what it hands back, and the small pieces the
// local and Kaggle paths share (records, events, the env values file).

import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InternalError } from '../errors.js';
import { harnessContract } from '../harness/contract.js';
import type { HarnessCode } from '../harness/settings.js';
import type { Job } from '../job.js';
import type { PackResult } from '../pack/index.js';
import type { DatasetsApi } from '../kaggle/datasets.js';
import type { RunEvent } from '../run/events.js';
import type { ShippingRecord } from '../run/record.js';
import { jobSlug } from '../util/slug.js';
import type { ShippedDataset } from './ensure-dataset.js';
import { readEnvFile } from './env-file.js';

/** Kaggle's kernel source limit is about 1 MiB; inline code must fit under it. */
export const INLINE_SOURCE_LIMIT = 1024 * 1024;
/** The datasets (and files in them) the local platform puts the code zip and env values in. */
export const LOCAL_CODE_SLUG = 'kaggle-run-code';
export const LOCAL_CODE_FILE = 'code.zip';
export const LOCAL_ENV_SLUG = 'kaggle-run-env';
export const LOCAL_ENV_FILE = 'env.json';
export const DEFAULT_READY_TIMEOUT_SECONDS = 600;

/** Where a platform keeps datasets: the user who owns them and the API to make them. */
export interface DatasetAccess {
  owner: string;
  datasets: DatasetsApi;
  /** The API base, to keep shipping caches apart per endpoint. */
  endpoint: string | undefined;
}

export interface ShipRunContext {
  job: Job;
  runId: string;
  /** The run's own folder (for the env file while it is shipped). */
  runDir: string;
  pack: PackResult;
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
  /** Local platform: the `data:` inputs' names -> their folders (KAGGLE_RUN_INPUTS). */
  inputMap?: Record<string, string> | undefined;
  /** Dataset refs to attach: the job's own and the shipped ones (pinned to their version). */
  datasets: string[];
  shipping: ShippingRecord;
  /** Local files holding env values: deleted once the platform has taken them. */
  cleanup: string[];
  /** Env-file values, masked in the log as the harness masks them (defence in depth). */
  maskValues: string[];
}

export function emptyRecord(mode: ShippingRecord['mode']): ShippingRecord {
  return { mode, bytesUploaded: 0, dataset: null, datasetVersion: null, commit: null, data: [] };
}

/** `<kernel slug>-code` / `-env`, within Kaggle's 50 characters. */
export function derivedSlug(job: Job, suffix: string): string {
  return jobSlug(job.name, suffix);
}

export function pinned(shipped: ShippedDataset): string {
  return shipped.version === null ? shipped.ref : `${shipped.ref}/${shipped.version}`;
}

export function shippedEvent(what: 'code' | 'data' | 'env', shipped: ShippedDataset): RunEvent {
  return {
    type: 'shipped',
    what,
    dataset: shipped.ref,
    version: shipped.version,
    uploaded: shipped.uploaded,
    bytes: shipped.bytesUploaded,
  };
}

export function notShipped(left: { path: string; reason: string }): RunEvent {
  return { type: 'warning', message: `not shipped: ${left.path} (${left.reason})` };
}

/** An optional `data:` entry that is absent or empty: said, and nothing attached. */
export function optionalDataSkipped(mapping: { slug: string; path: string }): RunEvent {
  return {
    type: 'warning',
    message: `data ${mapping.slug}: ${mapping.path} is absent or empty; it is optional, so nothing is attached`,
  };
}

/** The chosen variables as JSON, readable by this user only, in the run's folder. */
export async function writeEnvJson(ctx: ShipRunContext, maskValues: string[]): Promise<string> {
  if (ctx.job.envFile === undefined) {
    throw new InternalError('writeEnvJson: the job has no env_file');
  }
  const values = await readEnvFile(ctx.job.root, ctx.job.envFile);
  // As the harness masks: values shorter than the contract's length (in UTF-8 bytes) would
  // mask ordinary words in the log.
  const shortest = harnessContract().maskMinLength;
  maskValues.push(...Object.values(values).filter((v) => Buffer.byteLength(v, 'utf8') >= shortest));
  const path = join(ctx.runDir, 'env.json');
  await writeFile(path, JSON.stringify(values), { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}
