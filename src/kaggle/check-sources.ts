// The data sources a push names, checked before the push where the API can tell: Kaggle
// accepts a push naming a source it cannot find and runs the version without it (listing the
// source in the answer), so a typo found only then has already cost a session. Datasets
// (GetDataset), kernels (GetKernel), models (ApiGetModelInstance) and competitions
// (ApiListDataFiles) are each looked up once; a lookup that fails for another reason than
// "not found / not allowed" fails the push, as the push itself would.

import { UsageError } from '../errors.js';
import type { KaggleClient } from './client.js';
import { KaggleApiError } from './errors.js';
import type { InvalidSources } from './errors.js';
import { frameworkEnum } from './models.js';

export interface NamedSources {
  datasets: readonly string[];
  kernels: readonly string[];
  competitions: readonly string[];
  models: readonly string[];
}

/** `a/b` or `a/b/N`: owner, slug and the version when one is named. */
function splitRef(
  ref: string,
  parts: number,
): { segments: string[]; version?: number } | undefined {
  const segments = ref.split('/');
  if (segments.some((s) => s === '')) return undefined;
  if (segments.length === parts) return { segments };
  const last = segments.at(-1) ?? '';
  if (segments.length === parts + 1 && /^\d+$/.test(last)) {
    return { segments: segments.slice(0, parts), version: Number(last) };
  }
  return undefined;
}

async function datasetMissing(client: KaggleClient, ref: string, signal?: AbortSignal) {
  const parsed = splitRef(ref, 2);
  if (parsed === undefined) return true;
  const [owner = '', slug = ''] = parsed.segments;
  const info = await client.datasets.getDataset(owner, slug, signal);
  if (info === undefined) return true;
  const current = info.currentVersionNumber;
  return parsed.version !== undefined && current !== null && parsed.version > current;
}

async function kernelMissing(client: KaggleClient, ref: string, signal?: AbortSignal) {
  const parsed = splitRef(ref, 2);
  if (parsed === undefined) return true;
  const [owner = '', slug = ''] = parsed.segments;
  try {
    await client.kernels.getKernel(owner, slug, signal);
    return false;
  } catch (error) {
    if (error instanceof KaggleApiError && [403, 404].includes(error.effectiveStatus)) return true;
    throw error;
  }
}

async function modelMissing(client: KaggleClient, ref: string, signal?: AbortSignal) {
  const parsed = splitRef(ref, 4);
  if (parsed === undefined) return true;
  const [owner = '', model = '', framework = '', variation = ''] = parsed.segments;
  // A framework we cannot name in the request is left for Kaggle to judge.
  if (frameworkEnum(framework) === undefined) return false;
  const found = await client.models.getModelInstance(
    { owner, model, framework, variation },
    signal,
  );
  if (found === undefined) return true;
  return parsed.version !== undefined && parsed.version > found.versionNumber;
}

/** The named sources that do not exist or that the user cannot read. */
export async function findInvalidSources(
  client: KaggleClient,
  sources: NamedSources,
  signal?: AbortSignal,
): Promise<InvalidSources> {
  const invalid: InvalidSources = {
    tags: [],
    datasets: [],
    competitions: [],
    kernels: [],
    models: [],
  };
  for (const ref of new Set(sources.datasets)) {
    if (await datasetMissing(client, ref, signal)) invalid.datasets.push(ref);
  }
  for (const ref of new Set(sources.kernels)) {
    if (await kernelMissing(client, ref, signal)) invalid.kernels.push(ref);
  }
  for (const ref of new Set(sources.models)) {
    if (await modelMissing(client, ref, signal)) invalid.models.push(ref);
  }
  for (const name of new Set(sources.competitions)) {
    if (!(await client.competitions.readable(name, signal))) invalid.competitions.push(name);
  }
  return invalid;
}

/**
 * Sources Kaggle cannot find are the job's mistake (exit 2), each one named. When the push had
 * been accepted all the same, the error says which version runs without them.
 */
export function invalidSourcesError(
  invalid: InvalidSources,
  pushed?: { kernel: string; version: number | null },
): UsageError | undefined {
  const { tags: _tags, ...sources } = invalid;
  const bad = Object.entries(sources).filter(([, refs]) => refs.length > 0);
  if (bad.length === 0) return undefined;
  const named = bad.map(([what, refs]) => `${what} ${refs.join(', ')}`).join('; ');
  const version = pushed?.version === null ? 'a new version' : `version ${pushed?.version}`;
  return new UsageError(
    pushed === undefined
      ? `Kaggle cannot attach ${named}`
      : `Kaggle cannot attach ${named}: ${version} of ${pushed.kernel} was pushed and runs without them`,
    {
      hint: 'check each name and version on Kaggle (and that your account can read it: private sources, competition rules accepted)',
    },
  );
}
