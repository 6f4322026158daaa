// Makes a private dataset hold exactly the given files, uploading only when it does not
// already: files go through StartBlobUpload and the resumable PUT, then CreateDataset (first
// time) or CreateDatasetVersion, and the new version is waited on until READY, so a kernel
// pushed next never starts on a stale or half-processed input.

import { basename } from 'node:path';
import type { DatasetFile, DatasetUploadFile, DatasetsApi } from '../kaggle/datasets.js';
import { withRetry } from '../kaggle/retry.js';

export interface ShipFile {
  /** Path inside the dataset, POSIX; a `/` makes folders. */
  name: string;
  localPath: string;
  size: number;
}

export interface EnsureDatasetRequest {
  owner: string;
  slug: string;
  title: string;
  files: ShipFile[];
  /** Kept with the version, e.g. the content hash. */
  notes: string;
  /** Whether the dataset's latest version already is this content. */
  unchanged(latest: { version: number | null; files: DatasetFile[] }): boolean;
}

export interface EnsureDatasetOptions {
  readyTimeoutMs: number;
  readyIntervalMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Called as each file finishes uploading. */
  onUploaded?: ((file: ShipFile, bytesSent: number) => void) | undefined;
}

export interface ShippedDataset {
  ref: string;
  version: number | null;
  uploaded: boolean;
  bytesUploaded: number;
}

/** Uploads in flight at once: enough to fill a link, few enough not to thrash a small disk. */
const UPLOAD_PARALLELISM = 4;
/** CreateDataset / CreateDatasetVersion calls at most, each after checking the last did not land. */
const CREATE_ATTEMPTS = 4;

/** After a failed create: `landed` when the latest version is this content, else whether the dataset exists. */
async function landed(
  datasets: DatasetsApi,
  request: EnsureDatasetRequest,
  signal: AbortSignal | undefined,
): Promise<'landed' | boolean> {
  const info = await datasets.getDataset(request.owner, request.slug, signal);
  if (info === undefined) return false;
  const files = await datasets.listDatasetFiles(request.owner, request.slug, {
    signal,
    pageSize: 200,
  });
  return request.unchanged({ version: info.currentVersionNumber, files }) ? 'landed' : true;
}

export async function ensureDataset(
  datasets: DatasetsApi,
  request: EnsureDatasetRequest,
  options: EnsureDatasetOptions,
): Promise<ShippedDataset> {
  const { owner, slug } = request;
  const signal = options.signal;
  const ref = `${owner}/${slug}`;
  const info = await datasets.getDataset(owner, slug, signal);
  if (info !== undefined) {
    const files = await datasets.listDatasetFiles(owner, slug, { signal, pageSize: 200 });
    if (request.unchanged({ version: info.currentVersionNumber, files })) {
      // A version another run created moments ago may still be processing.
      await waitReady(datasets, request, options);
      return { ref, version: info.currentVersionNumber, uploaded: false, bytesUploaded: 0 };
    }
  }

  const tokens: { file: ShipFile; token: string }[] = [];
  let bytesUploaded = 0;
  const queue = [...request.files];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const result = await datasets.uploadFile(file.localPath, {
        type: 'DATASET',
        name: basename(file.name),
        signal,
      });
      bytesUploaded += result.bytesSent;
      tokens.push({ file, token: result.token });
      options.onUploaded?.(file, result.bytesSent);
    }
  };
  await Promise.all(Array.from({ length: UPLOAD_PARALLELISM }, worker));
  const { files, directories } = layout(tokens);

  // A create is not idempotent, so it is never retried blindly: after a failure whose outcome
  // is unknown (5xx, a dropped connection), the dataset is read again; if its latest version
  // already holds this content the create landed, else it is made again (a version, when the
  // first create did make the dataset).
  await withRetry(
    `create ${ref}`,
    async (attempt) => {
      const exists = attempt === 1 ? info !== undefined : await landed(datasets, request, signal);
      if (exists === 'landed') return;
      if (!exists) {
        await datasets.createDataset(
          {
            ownerSlug: owner,
            slug,
            title: request.title,
            licenseName: 'unknown',
            isPrivate: true,
            files,
            directories,
            description: request.notes,
          },
          signal,
        );
      } else {
        await datasets.createDatasetVersion(
          owner,
          slug,
          { versionNotes: request.notes, files, directories },
          signal,
        );
      }
    },
    { maxAttempts: CREATE_ATTEMPTS, signal },
  );
  await waitReady(datasets, request, options);
  const after = await datasets.getDataset(owner, slug, signal);
  return { ref, version: after?.currentVersionNumber ?? null, uploaded: true, bytesUploaded };
}

async function waitReady(
  datasets: DatasetsApi,
  request: EnsureDatasetRequest,
  options: EnsureDatasetOptions,
): Promise<void> {
  await datasets.waitUntilReady(request.owner, request.slug, {
    timeoutMs: options.readyTimeoutMs,
    intervalMs: options.readyIntervalMs ?? 1000,
    signal: options.signal,
  });
}

interface Folder {
  name: string;
  directories: Folder[];
  files: DatasetUploadFile[];
}

/** Top-level files, and folders of files as CreateDataset's nested `directories`. */
function layout(tokens: { file: ShipFile; token: string }[]): {
  files: DatasetUploadFile[];
  directories: Folder[];
} {
  const top: Folder = { name: '', directories: [], files: [] };
  const sorted = [...tokens].sort((a, b) =>
    a.file.name < b.file.name ? -1 : a.file.name > b.file.name ? 1 : 0,
  );
  for (const { file, token } of sorted) {
    const parts = file.name.split('/');
    parts.pop();
    let folder = top;
    for (const part of parts) {
      let next = folder.directories.find((d) => d.name === part);
      if (next === undefined) {
        next = { name: part, directories: [], files: [] };
        folder.directories.push(next);
      }
      folder = next;
    }
    folder.files.push({ token });
  }
  return { files: top.files, directories: top.directories };
}
