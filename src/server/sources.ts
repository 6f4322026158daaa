// Data sources named by a push, resolved to files placed under the session's input/ folder
// where Kaggle mounts them (input-layout.ts: datasets/<owner>/<slug>/, competitions/<slug>/,
// models/..., notebooks/<owner>/<slug>/, or the older flat form). A ref the server does not
// know is reported back in the push response (invalidDatasetSources, ...), and the version
// runs without it. Competitions and models are seeded folders (seeded-sources.ts).

import {
  inputMap,
  sourceFolders,
  type InputLayout,
  type InputSource,
} from '../platform/input-layout.js';
import { listRegularFiles } from '../platform/local/list-files.js';
import type { KernelStore } from './kernel-store.js';
import { parseModelRef, type SeededSources } from './seeded-sources.js';

/** Datasets the server can attach: the dataset store (dataset-store.ts) and test folders. */
export interface DatasetRegistry {
  /**
   * Folder holding the files of `owner/slug` (version `n` when given, else the latest), or
   * undefined when there is none or `user` may not read it.
   */
  lookup(
    owner: string,
    slug: string,
    version: number | undefined,
    user?: string,
  ): string | undefined;
}

/** A registry in memory: `add('me/data', '/path/to/folder')`. Empty by default. */
export class MapDatasetRegistry implements DatasetRegistry {
  private readonly folders = new Map<string, string>();

  add(ref: string, folder: string): void {
    this.folders.set(ref, folder);
  }

  lookup(owner: string, slug: string): string | undefined {
    return this.folders.get(`${owner}/${slug}`);
  }
}

export interface SourceRequest {
  datasetDataSources: string[];
  kernelDataSources: string[];
  competitionDataSources: string[];
  modelDataSources: string[];
}

export interface ResolvedSources {
  inputs: { localPath: string; target: string }[];
  /** Each source's names -> its folder under input/ (KAGGLE_RUN_INPUTS). */
  inputMap: Record<string, string>;
  invalidDatasetSources: string[];
  invalidKernelSources: string[];
  invalidCompetitionSources: string[];
  invalidModelSources: string[];
}

/** Splits `owner/slug` or `owner/slug/N`; undefined when it is neither. */
function parseRef(ref: string): { owner: string; slug: string; version?: number } | undefined {
  const parts = ref.split('/');
  const [owner, slug, version] = parts;
  if (parts.length > 3 || !owner || !slug) return undefined;
  if (version === undefined) return { owner, slug };
  return /^\d+$/.test(version) ? { owner, slug, version: Number(version) } : undefined;
}

async function filesOf(folder: string, targets: readonly string[]) {
  const files = await listRegularFiles(folder).catch(() => []);
  return targets.flatMap((target) =>
    files.map((f) => ({ localPath: f.absolute, target: `${target}/${f.path}` })),
  );
}

export async function resolveSources(
  request: SourceRequest,
  user: string,
  deps: {
    store: KernelStore;
    datasets: DatasetRegistry;
    seeded?: SeededSources | undefined;
    layout?: InputLayout | undefined;
  },
): Promise<ResolvedSources> {
  const layout = deps.layout ?? 'current';
  const attached: { source: InputSource; refs: string[] }[] = [];
  const place = async (folder: string, source: InputSource, ref: string) => {
    attached.push({ source, refs: [ref] });
    resolved.inputs.push(...(await filesOf(folder, sourceFolders(source, layout))));
  };
  const resolved: ResolvedSources = {
    inputs: [],
    inputMap: {},
    invalidDatasetSources: [],
    invalidKernelSources: [],
    invalidCompetitionSources: [],
    invalidModelSources: [],
  };
  for (const ref of request.datasetDataSources) {
    const parsed = parseRef(ref);
    const folder = parsed && deps.datasets.lookup(parsed.owner, parsed.slug, parsed.version, user);
    if (parsed === undefined || folder === undefined) resolved.invalidDatasetSources.push(ref);
    else await place(folder, { kind: 'dataset', owner: parsed.owner, slug: parsed.slug }, ref);
  }
  for (const ref of request.kernelDataSources) {
    const parsed = parseRef(ref);
    const kernel = parsed && deps.store.get(parsed.owner, parsed.slug);
    const readable = kernel !== undefined && (!kernel.isPrivate || kernel.owner === user);
    // The named version, else the latest one that completed: its output is the input.
    const version = readable
      ? parsed?.version !== undefined
        ? kernel.versions.find((v) => v.number === parsed.version && v.status === 'COMPLETE')
        : kernel.versions.findLast((v) => v.status === 'COMPLETE')
      : undefined;
    if (kernel === undefined || version === undefined) resolved.invalidKernelSources.push(ref);
    else {
      const folder = deps.store.workingDir(kernel, version.number);
      await place(folder, { kind: 'notebook', owner: kernel.owner, slug: kernel.slug }, ref);
    }
  }
  for (const slug of request.competitionDataSources) {
    const folder = await deps.seeded?.competition(slug);
    if (folder === undefined) resolved.invalidCompetitionSources.push(slug);
    else await place(folder, { kind: 'competition', slug }, slug);
  }
  for (const ref of request.modelDataSources) {
    const parsed = parseModelRef(ref);
    const found = parsed && (await deps.seeded?.model(parsed));
    if (parsed === undefined || found === undefined) resolved.invalidModelSources.push(ref);
    else {
      const source = { kind: 'model' as const, ...parsed, version: found.version };
      await place(found.folder, source, ref);
    }
  }
  resolved.inputMap = inputMap(attached, layout);
  return resolved;
}
