// A dataset as the API shows it (ApiDataset, shared by GetDataset and ListDatasets), and the
// version a read names. GetDataset carries `currentVersionNumber`, which a client needs to pin
// the version a kernel attaches and kagglehub needs to resolve an unversioned handle.

import type { RpcHandler, ServiceContext } from './context.js';
import type { DatasetRecord, DatasetVersionRecord } from './dataset-store.js';
import { findDataset, refSchema } from './datasets-service.js';
import { HttpError, parseBody } from './http-util.js';
import { requireUser } from './kernel-access.js';

export function datasetRef(record: DatasetRecord): string {
  return `${record.owner}/${record.slug}`;
}

export function totalBytes(version: DatasetVersionRecord | undefined): number {
  return (version?.files ?? []).reduce((sum, f) => sum + f.size, 0);
}

/** Kernels whose sources name the dataset (any version of it). */
function kernelCount(ctx: ServiceContext, record: DatasetRecord): number {
  const ref = datasetRef(record);
  return ctx.store
    .all()
    .filter((k) => k.datasetDataSources.some((s) => s === ref || s.startsWith(`${ref}/`))).length;
}

/** ApiDataset; `withFiles` adds the current version's files (GetDataset). */
export function apiDataset(
  ctx: ServiceContext,
  record: DatasetRecord,
  origin: string,
  withFiles = false,
): Record<string, unknown> {
  const latest = record.versions.at(-1);
  const nowMs = ctx.nowMs();
  return {
    id: record.id,
    ref: datasetRef(record),
    subtitle: record.subtitle,
    creatorName: record.owner,
    creatorUrl: `${origin}/${record.owner}`,
    totalBytes: totalBytes(latest),
    url: `${origin}/datasets/${datasetRef(record)}`,
    lastUpdated: latest?.createdAt ?? record.createdAt,
    downloadCount: 0,
    isPrivate: record.isPrivate,
    isFeatured: false,
    licenseName: record.licenseName,
    description: record.description,
    ownerName: record.owner,
    ownerRef: record.owner,
    kernelCount: kernelCount(ctx, record),
    title: record.title,
    topicCount: 0,
    viewCount: 0,
    voteCount: 0,
    currentVersionNumber: latest?.number ?? 0,
    tags: (record.keywords ?? []).map((tag) => ({ ref: tag, name: tag })),
    ...(withFiles && latest
      ? {
          files: latest.files.map((f) => ({
            ref: f.name,
            datasetRef: datasetRef(record),
            ownerRef: record.owner,
            name: f.name,
            creationDate: latest.createdAt,
            description: f.description ?? '',
            fileType: /\.([^./]+)$/.exec(f.name)?.[1] ?? '',
            totalBytes: f.size,
            columns: [],
          })),
        }
      : {}),
    versions: record.versions.map((v) => ({
      versionNumber: v.number,
      creationDate: v.createdAt,
      creatorName: record.owner,
      creatorRef: record.owner,
      versionNotes: v.versionNotes,
      status: ctx.datasetStore.isReady(v, nowMs) ? 'ready' : 'processing',
    })),
  };
}

/**
 * The version a read names, or the newest READY one when it names none. A version still being
 * processed cannot be read yet (Kaggle serves only processed versions): 404 with what to do.
 */
export function readableVersion(
  ctx: ServiceContext,
  record: DatasetRecord,
  wanted: number | undefined,
): DatasetVersionRecord {
  const nowMs = ctx.nowMs();
  const ref = datasetRef(record);
  if (wanted === undefined) {
    const ready = record.versions.findLast((v) => ctx.datasetStore.isReady(v, nowMs));
    if (ready !== undefined) return ready;
    throw new HttpError(
      404,
      `Dataset ${ref} has no processed version yet; wait until its status is ready.`,
    );
  }
  const version = record.versions.find((v) => v.number === wanted);
  if (version === undefined) throw new HttpError(404, `Dataset ${ref} has no version ${wanted}.`);
  if (!ctx.datasetStore.isReady(version, nowMs)) {
    throw new HttpError(
      404,
      `Version ${wanted} of ${ref} is still being processed; wait until its status is ready.`,
    );
  }
  return version;
}

const getDataset: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  const record = findDataset(ctx, user, parseBody(refSchema, call.body));
  return Promise.resolve(apiDataset(ctx, record, call.origin, true));
};

export const datasetViewRpcTable: Record<string, Record<string, RpcHandler>> = {
  'datasets.DatasetApiService': { GetDataset: getDataset },
};
