// DownloadDataset and DownloadDatasetRaw (`kaggle datasets download`, kagglehub's
// dataset_download): one file of a version, or the whole version as `<slug>.zip`, by a 302 to
// a signed URL. Without a version number, the newest processed version.

import * as z from 'zod';
import type { RpcHandler } from './context.js';
import { readableVersion } from './dataset-view.js';
import { findDataset, refSchema } from './datasets-service.js';
import { redirectTo } from './download-redirect.js';
import { HttpError, parseBody } from './http-util.js';
import { requireUser } from './kernel-access.js';

const downloadSchema = refSchema.extend({
  fileName: z.string().nullish(),
  datasetVersionNumber: z
    .union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)])
    .nullish()
    .transform((v) => v ?? undefined),
  raw: z.boolean().nullish(),
  hashLink: z.string().nullish(),
});

/** Files are served as stored (never re-compressed), so `raw` changes nothing here. */
const downloadDataset: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(downloadSchema, call.body);
  const record = findDataset(ctx, user, req);
  const version = readableVersion(ctx, record, req.datasetVersionNumber);
  const scope = {
    kind: 'dataset' as const,
    owner: record.owner,
    slug: record.slug,
    version: version.number,
  };
  const fileName = (req.fileName ?? '').replace(/^\/+/, '');
  if (fileName === '') {
    return Promise.resolve(
      redirectTo(ctx, call.origin, { scope, path: `${record.slug}.zip`, archive: true }),
    );
  }
  if (!version.files.some((f) => f.name === fileName)) {
    throw new HttpError(
      404,
      `Version ${version.number} of ${record.owner}/${record.slug} has no file "${fileName}".`,
    );
  }
  return Promise.resolve(redirectTo(ctx, call.origin, { scope, path: fileName }));
};

export const datasetDownloadRpcTable: Record<string, Record<string, RpcHandler>> = {
  'datasets.DatasetApiService': {
    DownloadDataset: downloadDataset,
    DownloadDatasetRaw: downloadDataset,
  },
};
