// ListTreeDatasetFiles (one folder of a version: its sub-folders, then its files, paged) and
// GetDatasetFilesSummary (file counts and sizes by extension, column counts by type), as
// ApiDirectoryContent and ApiFilesSummary.

import * as z from 'zod';
import type { RpcHandler } from './context.js';
import type { DatasetFileRecord, DatasetVersionRecord } from './dataset-store.js';
import { readableVersion } from './dataset-view.js';
import { findDataset, refSchema } from './datasets-service.js';
import { HttpError, parseBody } from './http-util.js';
import { requireUser } from './kernel-access.js';
import { pageSize } from './paging.js';

const versionField = z
  .union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)])
  .nullish()
  .transform((v) => v ?? undefined);

const treeSchema = refSchema.extend({
  datasetVersionNumber: versionField,
  path: z.string().nullish(),
  pageToken: z.string().nullish(),
  pageSize: z.number().int().nullish(),
});

interface FolderStats {
  directories: number;
  files: number;
}

/** The immediate sub-folders and files of `folder` ('' for the top) in a version. */
function children(version: DatasetVersionRecord, folder: string) {
  const prefix = folder === '' ? '' : `${folder}/`;
  const directories = new Map<string, FolderStats>();
  const files: DatasetFileRecord[] = [];
  for (const file of version.files) {
    if (!file.name.startsWith(prefix)) continue;
    const rest = file.name.slice(prefix.length);
    const cut = rest.indexOf('/');
    if (cut < 0) {
      files.push(file);
      continue;
    }
    const name = rest.slice(0, cut);
    const stats = directories.get(name) ?? { directories: 0, files: 0 };
    if (!rest.slice(cut + 1).includes('/')) stats.files++; // its own files, not deeper ones
    directories.set(name, stats);
  }
  // Sub-folder counts: the distinct folders one level further down.
  for (const [name, stats] of directories) {
    const inner = new Set<string>();
    for (const file of version.files) {
      const rest = file.name.startsWith(`${prefix}${name}/`)
        ? file.name.slice(`${prefix}${name}/`.length)
        : undefined;
      const cut = rest?.indexOf('/') ?? -1;
      if (rest !== undefined && cut >= 0) inner.add(rest.slice(0, cut));
    }
    stats.directories = inner.size;
  }
  return {
    directories: [...directories.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    files: files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/** Page tokens are `<version>:<offset>`, so a new version mid-listing does not mix files. */
const listTreeDatasetFiles: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(treeSchema, call.body);
  const record = findDataset(ctx, user, req);
  const token = req.pageToken ? /^(\d+):(\d+)$/.exec(req.pageToken) : undefined;
  if (token === null) throw new HttpError(400, `Invalid pageToken "${req.pageToken}".`);
  const version = readableVersion(
    ctx,
    record,
    token?.[1] !== undefined ? Number(token[1]) : req.datasetVersionNumber,
  );
  const folder = (req.path ?? '').replace(/^\/+|\/+$/g, '');
  const found = children(version, folder);
  if (
    folder !== '' &&
    found.directories.length === 0 &&
    found.files.length === 0 &&
    !version.files.some((f) => f.name.startsWith(`${folder}/`))
  ) {
    throw new HttpError(404, `Version ${version.number} has no folder "${folder}".`);
  }
  const entries = [
    ...found.directories.map(([name, stats]) => ({ kind: 'directory' as const, name, stats })),
    ...found.files.map((file) => ({ kind: 'file' as const, file })),
  ];
  const offset = Number(token?.[2] ?? 0);
  const size = pageSize(req.pageSize ?? undefined, 20, 200);
  const slice = entries.slice(offset, offset + size);
  const prefix = folder === '' ? '' : `${folder}/`;
  return Promise.resolve({
    directories: slice.flatMap((e) =>
      e.kind === 'directory'
        ? [
            {
              name: e.name,
              relativeUrl: `${prefix}${e.name}`,
              totalDirectories: e.stats.directories,
              totalFiles: e.stats.files,
              totalChildren: e.stats.directories + e.stats.files,
            },
          ]
        : [],
    ),
    files: slice.flatMap((e) =>
      e.kind === 'file'
        ? [
            {
              name: e.file.name.slice(prefix.length),
              creationDate: version.createdAt,
              totalBytes: e.file.size,
              relativeUrl: e.file.name,
              description: e.file.description ?? '',
            },
          ]
        : [],
    ),
    totalChildren: entries.length,
    totalDirectories: found.directories.length,
    totalFiles: found.files.length,
    nextPageToken: offset + size < entries.length ? `${version.number}:${offset + size}` : '',
  });
};

const summarySchema = refSchema.extend({ datasetVersionNumber: versionField });

const getDatasetFilesSummary: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(summarySchema, call.body);
  const record = findDataset(ctx, user, req);
  const version = readableVersion(ctx, record, req.datasetVersionNumber);
  const byExtension = new Map<string, { fileCount: number; totalSize: number }>();
  const byColumnType = new Map<string, number>();
  let columns = 0;
  for (const file of version.files) {
    const extension = /\.([^./]+)$/.exec(file.name)?.[1]?.toLowerCase() ?? '';
    const entry = byExtension.get(extension) ?? { fileCount: 0, totalSize: 0 };
    entry.fileCount++;
    entry.totalSize += file.size;
    byExtension.set(extension, entry);
    for (const column of file.columns ?? []) {
      columns++;
      byColumnType.set(column.type, (byColumnType.get(column.type) ?? 0) + 1);
    }
  }
  return Promise.resolve({
    fileSummaryInfo: {
      totalFileCount: version.files.length,
      fileTypes: [...byExtension.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([extension, e]) => ({ extension, ...e })),
    },
    columnSummaryInfo: {
      totalColumnCount: columns,
      columnTypes: [...byColumnType.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([columnType, columnCount]) => ({ columnType, columnCount })),
    },
  });
};

export const datasetFilesRpcTable: Record<string, Record<string, RpcHandler>> = {
  'datasets.DatasetApiService': {
    ListTreeDatasetFiles: listTreeDatasetFiles,
    GetDatasetFilesSummary: getDatasetFilesSummary,
  },
};
