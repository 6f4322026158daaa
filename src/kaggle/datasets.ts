// datasets.DatasetApiService: create a dataset or a new version from uploaded blobs, wait for
// it to be READY, list its files; with the exact bodies of the official CLI 2.2.3
// (protocol.md 3.11-3.13). Listing, metadata, downloads and deletes are in dataset-reads.ts. Reads are retried; creates never are (a lost answer would make a
// second dataset version).

import { PlatformError } from '../errors.js';
import type { UploadOptions, UploadResult } from './blob-upload.js';
import { startBlobUpload, uploadFile } from './blob-upload.js';
import type { StartBlobUploadRequest, BlobUploadSession } from './blob-upload.js';
import type { DatabundleVersionStatus } from './enums.js';
import { parseDatabundleVersionStatus } from './enums.js';
import { KaggleApiError } from './errors.js';
import type { KaggleHttp } from './http.js';
import type { SleepFn } from './retry.js';
import type {
  DatasetMetadata,
  DatasetSettings,
  DatasetSummary,
  DownloadDatasetOptions,
  ListDatasetsOptions,
} from './dataset-reads.js';
import {
  deleteDataset,
  downloadDataset,
  getDatasetFilesSummary,
  getDatasetMetadata,
  listDatasets,
  listTreeDatasetFiles,
  updateDatasetMetadata,
} from './dataset-reads.js';
import type { JsonObject } from './wire.js';
import { WireReader, wireBody } from './wire.js';

const service = 'datasets.DatasetApiService';
const MAX_PAGES = 10_000;

export interface DatasetColumn {
  order?: number | undefined;
  name?: string | undefined;
  type?: string | undefined;
  originalType?: string | undefined;
  description?: string | undefined;
}

export interface DatasetUploadFile {
  /** The blob token from StartBlobUpload. */
  token: string;
  description?: string | undefined;
  columns?: DatasetColumn[] | undefined;
}

/**
 * ApiUploadDirectoryInfo: a folder of the new version with its uploaded files and
 * sub-folders; the files land at `<name>/.../<blob name>` in the dataset.
 */
export interface DatasetDirectory {
  name: string;
  directories?: DatasetDirectory[] | undefined;
  files?: DatasetUploadFile[] | undefined;
}

export interface CreateDatasetRequest {
  ownerSlug: string;
  slug: string;
  title: string;
  licenseName?: string | undefined;
  /** Private unless false (the CLI omits the field for a public dataset). */
  isPrivate?: boolean | undefined;
  files: DatasetUploadFile[];
  subtitle?: string | undefined;
  description?: string | undefined;
  categoryIds?: string[] | undefined;
  /** Nested folders of uploaded files, next to `files` (the top level). */
  directories?: DatasetDirectory[] | undefined;
}

export interface CreateDatasetVersionRequest {
  versionNotes?: string | undefined;
  files: DatasetUploadFile[];
  deleteOldVersions?: boolean | undefined;
  subtitle?: string | undefined;
  description?: string | undefined;
  categoryIds?: string[] | undefined;
  /** Nested folders of uploaded files, next to `files` (the top level). */
  directories?: DatasetDirectory[] | undefined;
}

export interface CreateDatasetResult {
  ref: string;
  url: string;
}

/** What GetDataset says of a dataset that shipping needs. */
export interface DatasetInfo {
  ref: string;
  /** Null when the answer leaves it out. */
  currentVersionNumber: number | null;
}

export interface DatasetFile {
  name: string;
  totalBytes: number;
  creationDate: string;
}

export interface WaitReadyOptions {
  /** Give up after this long; default 10 minutes. */
  timeoutMs?: number | undefined;
  /** Between polls; default 2 s. */
  intervalMs?: number | undefined;
  sleep?: SleepFn | undefined;
  signal?: AbortSignal | undefined;
}

function fileBody(file: DatasetUploadFile): JsonObject {
  return wireBody({
    token: file.token,
    description: file.description,
    columns: file.columns?.map((c) =>
      wireBody(
        {
          order: c.order,
          name: c.name,
          type: c.type,
          originalType: c.originalType,
          description: c.description,
        },
        ['order', 'name', 'type', 'originalType', 'description'],
      ),
    ),
  });
}

/** As the SDK serializes it: proto order, empty repeated fields left out like all others. */
function directoryBody(dir: DatasetDirectory): JsonObject {
  return wireBody(
    {
      name: dir.name,
      directories: dir.directories?.map(directoryBody),
      files: dir.files?.map(fileBody),
    },
    ['name'],
  );
}

/** ApiCreateDatasetVersionRequestBody, shared by both ways of naming the dataset. */
function versionBody(request: CreateDatasetVersionRequest): JsonObject {
  return wireBody(
    {
      versionNotes: request.versionNotes,
      deleteOldVersions: request.deleteOldVersions,
      files: request.files.map(fileBody),
      subtitle: request.subtitle,
      description: request.description,
      categoryIds: request.categoryIds,
      directories: request.directories?.map(directoryBody),
    },
    ['versionNotes', 'subtitle', 'description'],
  );
}

export class DatasetsApi {
  constructor(readonly http: KaggleHttp) {}

  private call(method: string, body: JsonObject, idempotent: boolean, signal?: AbortSignal) {
    return this.http
      .rpc(service, method, body, { idempotent, signal })
      .then((json) => new WireReader(json, method));
  }

  startBlobUpload(
    request: StartBlobUploadRequest,
    signal?: AbortSignal,
  ): Promise<BlobUploadSession> {
    return startBlobUpload(this.http, request, signal);
  }

  /** StartBlobUpload + resumable PUT of one file; the token for `files[]`. */
  uploadFile(path: string, options?: UploadOptions): Promise<UploadResult> {
    return uploadFile(this.http, path, options);
  }

  async createDataset(
    request: CreateDatasetRequest,
    signal?: AbortSignal,
  ): Promise<CreateDatasetResult> {
    const body = wireBody(
      {
        ownerSlug: request.ownerSlug,
        slug: request.slug,
        title: request.title,
        licenseName: request.licenseName,
        isPrivate: request.isPrivate ?? true,
        files: request.files.map(fileBody),
        subtitle: request.subtitle,
        description: request.description,
        categoryIds: request.categoryIds,
        directories: request.directories?.map(directoryBody),
      },
      ['ownerSlug', 'slug', 'title', 'licenseName', 'subtitle', 'description'],
    );
    return this.created('CreateDataset', await this.call('CreateDataset', body, false, signal));
  }

  async createDatasetVersion(
    owner: string,
    slug: string,
    request: CreateDatasetVersionRequest,
    signal?: AbortSignal,
  ): Promise<CreateDatasetResult> {
    const body = { ownerSlug: owner, datasetSlug: slug, body: versionBody(request) };
    const r = await this.call('CreateDatasetVersion', body, false, signal);
    return this.created('CreateDatasetVersion', r);
  }

  /** The form the official CLI sends when dataset-metadata.json has `id_no`. */
  async createDatasetVersionById(
    id: number,
    request: CreateDatasetVersionRequest,
    signal?: AbortSignal,
  ): Promise<CreateDatasetResult> {
    const r = await this.call(
      'CreateDatasetVersionById',
      { id, body: versionBody(request) },
      false,
      signal,
    );
    return this.created('CreateDatasetVersionById', r);
  }

  listDatasets(options?: ListDatasetsOptions): Promise<DatasetSummary[]> {
    return listDatasets(this.http, options);
  }

  getDatasetMetadata(owner: string, slug: string, signal?: AbortSignal): Promise<DatasetMetadata> {
    return getDatasetMetadata(this.http, owner, slug, signal);
  }

  updateDatasetMetadata(
    owner: string,
    slug: string,
    settings: DatasetSettings,
    signal?: AbortSignal,
  ): Promise<void> {
    return updateDatasetMetadata(this.http, owner, slug, settings, signal);
  }

  downloadDataset(owner: string, slug: string, destDir: string, options?: DownloadDatasetOptions) {
    return downloadDataset(this.http, owner, slug, destDir, options);
  }

  deleteDataset(owner: string, slug: string, signal?: AbortSignal): Promise<void> {
    return deleteDataset(this.http, owner, slug, signal);
  }

  listTreeDatasetFiles(
    owner: string,
    slug: string,
    options?: Parameters<typeof listTreeDatasetFiles>[3],
  ) {
    return listTreeDatasetFiles(this.http, owner, slug, options);
  }

  getDatasetFilesSummary(
    owner: string,
    slug: string,
    options?: Parameters<typeof getDatasetFilesSummary>[3],
  ) {
    return getDatasetFilesSummary(this.http, owner, slug, options);
  }

  /** Success is `status` "ok" in any case; an `error` is Kaggle refusing, named as it says. */
  private created(method: string, r: WireReader): CreateDatasetResult {
    const error = r.optStr('error');
    const status = r.str('status');
    if (error || status.toLowerCase() !== 'ok') {
      const tags = r.strArray('invalidTags');
      const detail = error ? this.http.redact(error) : `status ${JSON.stringify(status)}`;
      throw new PlatformError(
        `Kaggle refused ${method}: ${detail}${tags.length > 0 ? `; invalid tags: ${tags.join(', ')}` : ''}`,
        { hint: 'Fix what the message names (slug, title, license, files) and try again.' },
      );
    }
    return { ref: r.str('ref'), url: r.str('url') };
  }

  /** The dataset, or undefined when it does not exist or the user cannot see it (404). */
  async getDataset(
    owner: string,
    slug: string,
    signal?: AbortSignal,
  ): Promise<DatasetInfo | undefined> {
    try {
      const body = wireBody({ ownerSlug: owner, datasetSlug: slug });
      const r = await this.call('GetDataset', body, true, signal);
      const version = r.optInt('currentVersionNumber');
      return {
        ref: r.optStr('ref') || `${owner}/${slug}`,
        currentVersionNumber: version === undefined || version <= 0 ? null : version,
      };
    } catch (error) {
      if (error instanceof KaggleApiError && error.effectiveStatus === 404) return undefined;
      throw error;
    }
  }

  async getDatasetStatus(
    owner: string,
    slug: string,
    signal?: AbortSignal,
  ): Promise<DatabundleVersionStatus> {
    const body = wireBody({ ownerSlug: owner, datasetSlug: slug });
    const r = await this.call('GetDatasetStatus', body, true, signal);
    return parseDatabundleVersionStatus(r.raw('status'));
  }

  /** Every page of the file listing of the latest version (or `version`). */
  async listDatasetFiles(
    owner: string,
    slug: string,
    options: {
      version?: number | undefined;
      pageSize?: number | undefined;
      signal?: AbortSignal | undefined;
    } = {},
  ): Promise<DatasetFile[]> {
    const files: DatasetFile[] = [];
    const seen = new Set<string>();
    let pageToken: string | undefined;
    for (let page = 1; ; page++) {
      const body = wireBody(
        {
          ownerSlug: owner,
          datasetSlug: slug,
          datasetVersionNumber: options.version,
          pageToken,
          pageSize: options.pageSize ?? 20,
        },
        ['datasetVersionNumber', 'pageToken'],
      );
      const r = await this.call('ListDatasetFiles', body, true, options.signal);
      const problem = r.optStr('errorMessage');
      if (problem) {
        throw new PlatformError(`Kaggle could not list ${owner}/${slug}: ${problem}`);
      }
      for (const f of r.objects('datasetFiles')) {
        files.push({
          name: f.str('name'),
          totalBytes: f.int('totalBytes'),
          creationDate: f.str('creationDate'),
        });
      }
      const next = r.optStr('nextPageToken');
      if (!next) return files;
      if (seen.has(next) || page >= MAX_PAGES) {
        throw KaggleApiError.invalidResponse(
          'ListDatasetFiles',
          `page token ${JSON.stringify(next)} repeats`,
        );
      }
      seen.add(next);
      pageToken = next;
    }
  }

  /**
   * Polls GetDatasetStatus until READY. FAILED or DELETED is a PlatformError; running out of
   * time is a PlatformError naming the last status seen.
   */
  async waitUntilReady(owner: string, slug: string, options: WaitReadyOptions = {}) {
    const timeoutMs = options.timeoutMs ?? 10 * 60_000;
    const intervalMs = options.intervalMs ?? 2000;
    const sleep = options.sleep ?? this.http.sleep;
    const started = this.http.now();
    for (;;) {
      const status = await this.getDatasetStatus(owner, slug, options.signal);
      if (status === 'READY') return status;
      if (status === 'FAILED' || status === 'DELETED') {
        throw new PlatformError(`dataset ${owner}/${slug} is ${status} on Kaggle`, {
          hint: 'Look at the dataset page on Kaggle, then upload it again.',
        });
      }
      if (this.http.now() - started >= timeoutMs) {
        throw new PlatformError(
          `dataset ${owner}/${slug} was not ready after ${Math.round(timeoutMs / 1000)} s (still ${status})`,
          { hint: 'Kaggle is still processing it; try again later, or raise the wait limit.' },
        );
      }
      await sleep(intervalMs, options.signal);
      options.signal?.throwIfAborted();
    }
  }
}
