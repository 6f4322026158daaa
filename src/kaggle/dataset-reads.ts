// datasets.DatasetApiService reads and changes beyond create/version/status (protocol.md
// 3.13): ListDatasets, GetDatasetMetadata, UpdateDatasetMetadata, DownloadDataset,
// DeleteDataset, ListTreeDatasetFiles, GetDatasetFilesSummary, with the exact bodies of the
// official CLI 2.2.3 where it sends them. Downloads follow Kaggle's redirect to a signed URL
// without credentials and resume there (download.ts); a whole dataset comes as `<slug>.zip`,
// unpacked on request. Reads are retried; changes are not.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PlatformError } from '../errors.js';
import { downloadToFile } from './download.js';
import { KaggleApiError } from './errors.js';
import type { KaggleHttp } from './http.js';
import { extractZip } from './unzip.js';
import type { JsonObject } from './wire.js';
import { WireReader, wireBody } from './wire.js';

const service = 'datasets.DatasetApiService';
const MAX_PAGES = 10_000;

/** DatasetSelectionGroup short names: `my` is `kaggle datasets list -m`, `user` is `--user`. */
export type DatasetGroup = 'public' | 'my' | 'user' | 'my-private' | 'my-public' | 'upvoted';
const GROUPS: Record<DatasetGroup, string | undefined> = {
  public: undefined, // the zero value: left out, as the CLI leaves it out
  my: 'DATASET_SELECTION_GROUP_MY',
  user: 'DATASET_SELECTION_GROUP_USER',
  'my-private': 'DATASET_SELECTION_GROUP_MY_PRIVATE',
  'my-public': 'DATASET_SELECTION_GROUP_MY_PUBLIC',
  upvoted: 'DATASET_SELECTION_GROUP_UPVOTED',
};

/** `--sort-by` values of the CLI and their DatasetSortBy names. */
export type DatasetSort = 'hottest' | 'votes' | 'updated' | 'active' | 'published';
const SORTS: Record<DatasetSort, string | undefined> = {
  hottest: undefined,
  votes: 'DATASET_SORT_BY_VOTES',
  updated: 'DATASET_SORT_BY_UPDATED',
  active: 'DATASET_SORT_BY_ACTIVE',
  published: 'DATASET_SORT_BY_PUBLISHED',
};

export interface ListDatasetsOptions {
  group?: DatasetGroup | undefined;
  sortBy?: DatasetSort | undefined;
  search?: string | undefined;
  /** Another user's datasets; implies the `user` group, as `--user` does. */
  user?: string | undefined;
  tagIds?: string | undefined;
  /** First page to read (1 by default). */
  page?: number | undefined;
  /** Pages to read at most (default: all). */
  maxPages?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface DatasetSummary {
  ref: string;
  title: string;
  totalBytes: number;
  isPrivate: boolean;
  lastUpdated: string;
  currentVersionNumber: number | null;
}

export interface DatasetMetadata {
  datasetId: number;
  title: string;
  subtitle: string;
  description: string;
  isPrivate: boolean;
  keywords: string[];
  licenses: string[];
  files: { name: string; description: string; totalBytes: number }[];
}

/** DatasetSettings: what UpdateDatasetMetadata changes (dataset-metadata.json's fields). */
export interface DatasetSettings {
  title?: string | undefined;
  subtitle?: string | undefined;
  description?: string | undefined;
  keywords?: string[] | undefined;
  licenses?: string[] | undefined;
  files?: { name: string; description?: string | undefined }[] | undefined;
  userSpecifiedSources?: string | undefined;
}

export interface DownloadDatasetOptions {
  /** One file (its path in the dataset); the whole dataset as `<slug>.zip` without. */
  fileName?: string | undefined;
  version?: number | undefined;
  /** Unpack the zip of a whole dataset into `destDir` and remove it (`--unzip`). */
  unzip?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

export interface TreeEntry {
  name: string;
  /** Path in the dataset. */
  path: string;
  totalBytes: number;
}

function call(
  http: KaggleHttp,
  method: string,
  body: JsonObject,
  idempotent: boolean,
  signal?: AbortSignal,
) {
  return http
    .rpc(service, method, body, { idempotent, signal })
    .then((json) => new WireReader(json, method));
}

function repeats(method: string, token: string): KaggleApiError {
  return KaggleApiError.invalidResponse(method, `page token ${JSON.stringify(token)} repeats`);
}

/** Pages of ListDatasets (20 a page), from `page` on, as `kaggle datasets list -p N` reads them. */
export async function listDatasets(
  http: KaggleHttp,
  options: ListDatasetsOptions = {},
): Promise<DatasetSummary[]> {
  const found: DatasetSummary[] = [];
  const group = options.user ? 'user' : (options.group ?? 'public');
  const maxPages = Math.min(options.maxPages ?? MAX_PAGES, MAX_PAGES);
  for (let page = options.page ?? 1, read = 0; read < maxPages; page++, read++) {
    const body = wireBody(
      {
        group: GROUPS[group],
        sortBy: SORTS[options.sortBy ?? 'hottest'],
        tagIds: options.tagIds ?? '',
        search: options.search ?? '',
        user: options.user ?? '',
        page,
      },
      ['tagIds', 'search', 'user'],
    );
    const r = await call(http, 'ListDatasets', body, true, options.signal);
    const datasets = r.objects('datasets');
    for (const d of datasets) {
      found.push({
        ref: d.str('ref'),
        title: d.optStr('title') ?? '',
        totalBytes: d.optInt('totalBytes') ?? 0,
        isPrivate: d.optBool('isPrivate') ?? false,
        lastUpdated: d.optStr('lastUpdated') ?? '',
        currentVersionNumber: d.optInt('currentVersionNumber') ?? null,
      });
    }
    // Kaggle pages by number, 20 a page; a short or empty page is the last.
    if (!r.optStr('nextPageToken') || datasets.length === 0) return found;
  }
  return found;
}

export async function getDatasetMetadata(
  http: KaggleHttp,
  owner: string,
  slug: string,
  signal?: AbortSignal,
): Promise<DatasetMetadata> {
  const r = await call(
    http,
    'GetDatasetMetadata',
    wireBody({ ownerSlug: owner, datasetSlug: slug }),
    true,
    signal,
  );
  const problem = r.optStr('errorMessage');
  if (problem)
    throw new PlatformError(
      `Kaggle could not read the metadata of ${owner}/${slug}: ${http.redact(problem)}`,
    );
  const info = r.optObject('info') ?? new WireReader({}, 'GetDatasetMetadata');
  return {
    datasetId: info.optInt('datasetId') ?? 0,
    title: info.optStr('title') ?? '',
    subtitle: info.optStr('subtitle') ?? '',
    description: info.optStr('description') ?? '',
    isPrivate: info.optBool('isPrivate') ?? false,
    keywords: info.strArray('keywords'),
    licenses: info.objects('licenses').map((l) => l.optStr('name') ?? ''),
    files: info.objects('data').map((f) => ({
      name: f.str('name'),
      description: f.optStr('description') ?? '',
      totalBytes: f.optInt('totalBytes') ?? 0,
    })),
  };
}

/** Not retried. Kaggle's `errors` become one PlatformError naming them all. */
export async function updateDatasetMetadata(
  http: KaggleHttp,
  owner: string,
  slug: string,
  settings: DatasetSettings,
  signal?: AbortSignal,
): Promise<void> {
  const body = {
    ownerSlug: owner,
    datasetSlug: slug,
    settings: wireBody(
      {
        title: settings.title,
        subtitle: settings.subtitle,
        description: settings.description,
        keywords: settings.keywords,
        licenses: settings.licenses?.map((name) => ({ name })),
        data: settings.files?.map((f) =>
          wireBody({ name: f.name, description: f.description }, ['description']),
        ),
        userSpecifiedSources: settings.userSpecifiedSources,
      },
      ['title', 'subtitle', 'description', 'userSpecifiedSources'],
    ),
  };
  const r = await call(http, 'UpdateDatasetMetadata', body, false, signal);
  const errors = r.strArray('errors');
  if (errors.length > 0) {
    throw new PlatformError(
      `Kaggle refused the metadata of ${owner}/${slug}: ${errors.map((e) => http.redact(e)).join('; ')}`,
      {
        hint: 'Fix what the messages name in the metadata and update again.',
      },
    );
  }
}

/**
 * Downloads one file or the whole dataset into `destDir`: the file under the last segment of
 * the URL Kaggle redirects to, the whole dataset as `<slug>.zip` (or unpacked). The path(s)
 * written back.
 */
export async function downloadDataset(
  http: KaggleHttp,
  owner: string,
  slug: string,
  destDir: string,
  options: DownloadDatasetOptions = {},
): Promise<{ paths: string[]; bytes: number }> {
  const body = wireBody(
    {
      ownerSlug: owner,
      datasetSlug: slug,
      fileName: options.fileName,
      datasetVersionNumber: options.version,
    },
    ['fileName', 'datasetVersionNumber'],
  );
  const url = await http.rpcRedirect(service, 'DownloadDataset', body, {
    idempotent: true,
    signal: options.signal,
  });
  const name =
    options.fileName === undefined
      ? `${slug}.zip`
      : decodeURIComponent(new URL(url).pathname.split('/').at(-1) ?? '') || options.fileName;
  const dest = join(destDir, name);
  const { bytes } = await downloadToFile(http, url, dest, options.signal);
  if (options.fileName !== undefined || options.unzip !== true) return { paths: [dest], bytes };
  const paths = await extractZip(dest, destDir);
  await rm(dest, { force: true });
  return { paths, bytes };
}

/** Not retried. An `error` in the answer is a PlatformError. */
export async function deleteDataset(
  http: KaggleHttp,
  owner: string,
  slug: string,
  signal?: AbortSignal,
) {
  const r = await call(
    http,
    'DeleteDataset',
    wireBody({ ownerSlug: owner, datasetSlug: slug }),
    false,
    signal,
  );
  const error = r.optStr('error');
  if (error)
    throw new PlatformError(`Kaggle could not delete ${owner}/${slug}: ${http.redact(error)}`);
}

/** Every entry of one folder (`path`, '' for the top) of a version: folders, then files. */
export async function listTreeDatasetFiles(
  http: KaggleHttp,
  owner: string,
  slug: string,
  options: {
    path?: string | undefined;
    version?: number | undefined;
    pageSize?: number | undefined;
    signal?: AbortSignal | undefined;
  } = {},
): Promise<{ directories: string[]; files: TreeEntry[] }> {
  const directories: string[] = [];
  const files: TreeEntry[] = [];
  const seen = new Set<string>();
  let pageToken: string | undefined;
  for (let page = 1; ; page++) {
    const body = wireBody(
      {
        ownerSlug: owner,
        datasetSlug: slug,
        datasetVersionNumber: options.version,
        path: options.path,
        pageToken,
        pageSize: options.pageSize ?? 20,
      },
      ['datasetVersionNumber', 'path', 'pageToken'],
    );
    const r = await call(http, 'ListTreeDatasetFiles', body, true, options.signal);
    for (const d of r.objects('directories')) directories.push(d.optStr('name') ?? '');
    for (const f of r.objects('files')) {
      files.push({
        name: f.optStr('name') ?? '',
        path: f.optStr('relativeUrl') ?? f.optStr('name') ?? '',
        totalBytes: f.optInt('totalBytes') ?? 0,
      });
    }
    const next = r.optStr('nextPageToken');
    if (!next) return { directories, files };
    if (seen.has(next) || page >= MAX_PAGES) throw repeats('ListTreeDatasetFiles', next);
    seen.add(next);
    pageToken = next;
  }
}

export async function getDatasetFilesSummary(
  http: KaggleHttp,
  owner: string,
  slug: string,
  options: { version?: number | undefined; signal?: AbortSignal | undefined } = {},
): Promise<{
  totalFileCount: number;
  fileTypes: { extension: string; fileCount: number; totalSize: number }[];
}> {
  const body = wireBody(
    { ownerSlug: owner, datasetSlug: slug, datasetVersionNumber: options.version },
    ['datasetVersionNumber'],
  );
  const r = await call(http, 'GetDatasetFilesSummary', body, true, options.signal);
  const info = r.optObject('fileSummaryInfo') ?? new WireReader({}, 'GetDatasetFilesSummary');
  return {
    totalFileCount: info.optInt('totalFileCount') ?? 0,
    fileTypes: info.objects('fileTypes').map((t) => ({
      extension: t.optStr('extension') ?? '',
      fileCount: t.optInt('fileCount') ?? 0,
      totalSize: t.optInt('totalSize') ?? 0,
    })),
  };
}
