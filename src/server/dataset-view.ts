// datasets.DatasetApiService/GetDataset: a dataset's metadata as the API's ApiDataset, with
// `currentVersionNumber`, which a client needs to pin the version a kernel attaches.

import type { RpcHandler } from './context.js';
import { findDataset, refSchema } from './datasets-service.js';
import { parseBody } from './http-util.js';
import { requireUser } from './kernel-access.js';

const getDataset: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  const record = findDataset(ctx, user, parseBody(refSchema, call.body));
  const latest = record.versions.at(-1);
  return Promise.resolve({
    ref: `${record.owner}/${record.slug}`,
    ownerRef: record.owner,
    title: record.title,
    subtitle: record.subtitle,
    isPrivate: record.isPrivate,
    url: `${call.origin}/datasets/${record.owner}/${record.slug}`,
    currentVersionNumber: latest?.number ?? 0,
    versions: record.versions.map((v) => ({
      versionNumber: v.number,
      creationDate: v.createdAt,
      versionNotes: v.versionNotes,
    })),
  });
};

export const datasetViewRpcTable: Record<string, Record<string, RpcHandler>> = {
  'datasets.DatasetApiService': { GetDataset: getDataset },
};
