// blobs.BlobApiService and datasets.DatasetApiService: StartBlobUpload, CreateDataset,
// CreateDatasetVersion, GetDatasetStatus, ListDatasetFiles (protocol.md 3.10-3.13). Creates
// answer refusals in a 200 body (`error`), as Kaggle does; lookups of a dataset the caller
// cannot see are a 404, which the official CLI's "already exists?" pre-check relies on.

import { z } from 'zod';
import type { RpcHandler, ServiceContext } from './context.js';
import type { BlobUpload } from './dataset-store.js';
import { HttpError, parseBody } from './http-util.js';
import { requireUser } from './kernel-access.js';
import { pageSize } from './paging.js';

const SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]{2,49}$/;
/** A file name inside the dataset: no folders, nothing hidden. */
const FILE_NAME = /^[^/\\\0]+$/;

const startSchema = z.object({
  type: z.string().nullish(),
  name: z.string().min(1),
  // Omitted for an empty file: 0 is the proto default, which clients leave out.
  contentLength: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).nullish(),
  lastModifiedEpochSeconds: z.union([z.number().int(), z.string()]).nullish(),
  contentType: z.string().nullish(),
});

const startBlobUpload: RpcHandler = async (ctx, call) => {
  const user = requireUser(call.user);
  const body = parseBody(startSchema, call.body);
  if (!FILE_NAME.test(body.name) || body.name.startsWith('.')) {
    throw new HttpError(400, `Invalid blob name "${body.name}": a plain file name is expected.`);
  }
  const upload = await ctx.datasetStore.startUpload(
    user,
    body.name,
    Number(body.contentLength ?? 0),
    ctx.nowMs(),
  );
  return { token: upload.token, createUrl: `${call.origin}/upload/${upload.uploadId}` };
};

const fileSchema = z.object({ token: z.string(), description: z.string().nullish() }).loose();

const createSchema = z.object({
  ownerSlug: z.string().nullish(),
  slug: z.string().nullish(),
  title: z.string().nullish(),
  licenseName: z.string().nullish(),
  isPrivate: z.boolean().nullish(),
  files: z.array(fileSchema).nullish(),
  subtitle: z.string().nullish(),
  description: z.string().nullish(),
  categoryIds: z.array(z.string()).nullish(),
});

/** The complete blobs of `user` named by `files`, or the refusal to answer. */
function blobsFor(
  ctx: ServiceContext,
  user: string,
  files: { token: string }[],
): BlobUpload[] | string {
  if (files.length === 0) return 'A dataset version needs at least one file.';
  const blobs: BlobUpload[] = [];
  const names = new Set<string>();
  for (const { token } of files) {
    const blob = ctx.datasetStore.uploadByToken(token);
    if (blob === undefined || blob.owner !== user) return `Unknown blob token "${token}".`;
    if (blob.received < blob.contentLength) {
      return `The upload of ${blob.name} is incomplete (${blob.received} of ${blob.contentLength} bytes).`;
    }
    if (names.has(blob.name)) return `Two files are named ${blob.name}.`;
    names.add(blob.name);
    blobs.push(blob);
  }
  return blobs;
}

const createDataset: RpcHandler = async (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(createSchema, call.body);
  const owner = req.ownerSlug || user;
  const slug = req.slug ?? '';
  const refuse = (error: string) => ({ status: 'Error', error, invalidTags: [] });
  if (owner !== user) return refuse(`You cannot create datasets for ${owner}.`);
  if (!SLUG.test(slug)) {
    return refuse(`Invalid slug "${slug}": 3 to 50 letters, digits, "-" or "_".`);
  }
  if (ctx.datasetStore.get(owner, slug) !== undefined) {
    return refuse(`The requested slug ${owner}/${slug} is already in use.`);
  }
  const blobs = blobsFor(ctx, user, req.files ?? []);
  if (typeof blobs === 'string') return refuse(blobs);
  const record = await ctx.datasetStore.addVersion(
    { owner, slug },
    {
      title: req.title || slug,
      licenseName: req.licenseName || 'unknown',
      // The CLI omits isPrivate for a public dataset.
      isPrivate: req.isPrivate ?? false,
      subtitle: req.subtitle ?? '',
      description: req.description ?? '',
    },
    blobs,
    '',
    ctx.nowMs(),
  );
  return {
    ref: `${record.owner}/${record.slug}`,
    url: `${call.origin}/datasets/${record.owner}/${record.slug}`,
    status: 'Ok',
    invalidTags: [],
  };
};

const versionSchema = z.object({
  ownerSlug: z.string().nullish(),
  datasetSlug: z.string().nullish(),
  body: z
    .object({
      versionNotes: z.string().nullish(),
      deleteOldVersions: z.boolean().nullish(),
      files: z.array(fileSchema).nullish(),
    })
    .loose()
    .nullish(),
});

const refSchema = z.object({
  ownerSlug: z.string().nullish(),
  datasetSlug: z.string().nullish(),
});

function findDataset(ctx: ServiceContext, user: string, body: z.infer<typeof refSchema>) {
  const owner = body.ownerSlug || user;
  const slug = body.datasetSlug ?? '';
  const record = ctx.datasetStore.readable(owner, slug, user);
  if (record === undefined) throw new HttpError(404, `Dataset ${owner}/${slug} not found.`);
  return record;
}

const createDatasetVersion: RpcHandler = async (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(versionSchema, call.body);
  const record = findDataset(ctx, user, req);
  if (record.owner !== user) {
    throw new HttpError(403, `Permission denied: ${record.owner}/${record.slug} is not yours.`);
  }
  const blobs = blobsFor(ctx, user, req.body?.files ?? []);
  if (typeof blobs === 'string') return { status: 'Error', error: blobs, invalidTags: [] };
  await ctx.datasetStore.addVersion(
    record,
    undefined,
    blobs,
    req.body?.versionNotes ?? '',
    ctx.nowMs(),
  );
  return {
    ref: `${record.owner}/${record.slug}`,
    url: `${call.origin}/datasets/${record.owner}/${record.slug}`,
    status: 'Ok',
    invalidTags: [],
  };
};

const getDatasetStatus: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  const record = findDataset(ctx, user, parseBody(refSchema, call.body));
  return Promise.resolve({ status: ctx.datasetStore.status(record, ctx.nowMs()) });
};

const listSchema = refSchema.extend({
  datasetVersionNumber: z.union([z.number().int(), z.string().regex(/^\d+$/)]).nullish(),
  pageToken: z.string().nullish(),
  pageSize: z.number().int().nullish(),
});

/** Page tokens are `<version>:<offset>`, so a new version mid-listing does not mix files. */
const listDatasetFiles: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(listSchema, call.body);
  const record = findDataset(ctx, user, req);
  const token = req.pageToken ? /^(\d+):(\d+)$/.exec(req.pageToken) : undefined;
  if (token === null) throw new HttpError(400, `Invalid pageToken "${req.pageToken}".`);
  const wanted = token?.[1] ?? req.datasetVersionNumber;
  const version =
    wanted === undefined || wanted === null
      ? record.versions.at(-1)
      : record.versions.find((v) => v.number === Number(wanted));
  if (version === undefined) {
    throw new HttpError(404, `Dataset ${record.owner}/${record.slug} has no such version.`);
  }
  const offset = Number(token?.[2] ?? 0);
  const size = pageSize(req.pageSize ?? undefined, 20, 200);
  const slice = version.files.slice(offset, offset + size);
  const more = offset + size < version.files.length;
  const ref = `${record.owner}/${record.slug}`;
  return Promise.resolve({
    datasetFiles: slice.map((f) => ({
      ref: f.name,
      datasetRef: ref,
      ownerRef: record.owner,
      name: f.name,
      creationDate: version.createdAt,
      fileType: /\.([^.]+)$/.exec(f.name)?.[1] ?? '',
      totalBytes: f.size,
      columns: [],
    })),
    nextPageToken: more ? `${version.number}:${offset + size}` : '',
  });
};

export const datasetRpcTable: Record<string, Record<string, RpcHandler>> = {
  'blobs.BlobApiService': { StartBlobUpload: startBlobUpload },
  'datasets.DatasetApiService': {
    CreateDataset: createDataset,
    CreateDatasetVersion: createDatasetVersion,
    GetDatasetStatus: getDatasetStatus,
    ListDatasetFiles: listDatasetFiles,
  },
};
