// blobs.BlobApiService and datasets.DatasetApiService: StartBlobUpload, CreateDataset,
// CreateDatasetVersion(ById), DeleteDataset, GetDatasetStatus, ListDatasetFiles (protocol.md
// 3.10-3.13). A version's
// files come from `files[]` (top level) and `directories[]` (nested folders of blobs), and are
// listed by their path (`sub/dir/file.csv`), as Kaggle lists the files of a dataset. Creates
// answer refusals in a 200 body (`error`), as Kaggle does; lookups of a dataset the caller
// cannot see are a 404, which the official CLI's "already exists?" pre-check relies on.

import * as z from 'zod';
import type { RpcCall, RpcHandler, ServiceContext } from './context.js';
import type { BlobUpload, DatasetRecord, PlacedBlob } from './dataset-store.js';
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

const columnSchema = z
  .object({
    name: z.string().nullish(),
    type: z.string().nullish(),
    description: z.string().nullish(),
  })
  .loose();
const fileSchema = z
  .object({
    token: z.string(),
    description: z.string().nullish(),
    columns: z.array(columnSchema).nullish(),
  })
  .loose();
type FileSpec = z.infer<typeof fileSchema>;

/** ApiUploadDirectoryInfo: a folder of the version, with its files and sub-folders. */
interface DirectorySpec {
  name: string;
  directories?: DirectorySpec[] | null | undefined;
  files?: FileSpec[] | null | undefined;
}

const directorySchema: z.ZodType<DirectorySpec> = z.lazy(() =>
  z
    .object({
      name: z.string(),
      directories: z.array(directorySchema).nullish(),
      files: z.array(fileSchema).nullish(),
    })
    .loose(),
);

/** A folder name inside a dataset: one plain segment, nothing hidden. */
function validFolder(name: string): boolean {
  return FILE_NAME.test(name) && !name.startsWith('.');
}

/** Every file of `files` and `directories` with its path in the version; or the refusal. */
function placeFiles(
  files: FileSpec[],
  directories: DirectorySpec[],
  prefix = '',
  depth = 0,
): { file: FileSpec; folder: string }[] | string {
  if (depth > 32) return 'The directories are nested too deeply (more than 32 levels).';
  const placed = files.map((file) => ({ file, folder: prefix }));
  for (const dir of directories) {
    if (!validFolder(dir.name)) {
      return `Invalid directory name "${dir.name}": a plain folder name is expected.`;
    }
    const inner = placeFiles(
      dir.files ?? [],
      dir.directories ?? [],
      `${prefix}${dir.name}/`,
      depth + 1,
    );
    if (typeof inner === 'string') return inner;
    placed.push(...inner);
  }
  return placed;
}

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
  directories: z.array(directorySchema).nullish(),
});

/** The complete blobs of `user` named by `files` and `directories`, or the refusal to answer. */
function blobsFor(
  ctx: ServiceContext,
  user: string,
  files: FileSpec[],
  directories: DirectorySpec[],
): PlacedBlob[] | string {
  const wanted = placeFiles(files, directories);
  if (typeof wanted === 'string') return wanted;
  if (wanted.length === 0) return 'A dataset version needs at least one file.';
  const placed: PlacedBlob[] = [];
  const paths = new Set<string>();
  const used = new Set<BlobUpload>();
  for (const { file, folder } of wanted) {
    const token = file.token;
    const blob = ctx.datasetStore.uploadByToken(token);
    if (blob === undefined || blob.owner !== user) return `Unknown blob token "${token}".`;
    if (blob.received < blob.contentLength) {
      return `The upload of ${blob.name} is incomplete (${blob.received} of ${blob.contentLength} bytes).`;
    }
    const path = folder + blob.name;
    if (used.has(blob)) return `The blob of ${path} is named twice.`;
    // A file and a folder of the same name cannot both exist either.
    if (paths.has(path)) return `Two files are named ${path}.`;
    if (paths.has(`${path}/`)) return `${path} is both a file and a folder.`;
    for (let cut = path.indexOf('/'); cut >= 0; cut = path.indexOf('/', cut + 1)) {
      if (paths.has(path.slice(0, cut)))
        return `${path.slice(0, cut)} is both a file and a folder.`;
      paths.add(`${path.slice(0, cut)}/`);
    }
    paths.add(path);
    used.add(blob);
    const columns = (file.columns ?? []).map((c) => ({
      name: c.name ?? '',
      type: c.type ?? '',
      description: c.description ?? '',
    }));
    placed.push({ blob, path, description: file.description ?? undefined, columns });
  }
  return placed;
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
  const blobs = blobsFor(ctx, user, req.files ?? [], req.directories ?? []);
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
      keywords: req.categoryIds ?? [],
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

const versionBodySchema = z
  .object({
    versionNotes: z.string().nullish(),
    deleteOldVersions: z.boolean().nullish(),
    files: z.array(fileSchema).nullish(),
    subtitle: z.string().nullish(),
    description: z.string().nullish(),
    categoryIds: z.array(z.string()).nullish(),
    directories: z.array(directorySchema).nullish(),
  })
  .loose()
  .nullish();

const versionSchema = z.object({
  ownerSlug: z.string().nullish(),
  datasetSlug: z.string().nullish(),
  body: versionBodySchema,
});

const versionByIdSchema = z.object({
  id: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]).nullish(),
  body: versionBodySchema,
});

export const refSchema = z.object({
  ownerSlug: z.string().nullish(),
  datasetSlug: z.string().nullish(),
});

/** The dataset a request names (owner defaults to the caller), or a 404. */
export function findDataset(ctx: ServiceContext, user: string, body: z.infer<typeof refSchema>) {
  const owner = body.ownerSlug || user;
  const slug = body.datasetSlug ?? '';
  const record = ctx.datasetStore.readable(owner, slug, user);
  if (record === undefined) throw new HttpError(404, `Dataset ${owner}/${slug} not found.`);
  return record;
}

/** The dataset `user` may change, or a 403 when it is someone else's. */
export function ownDataset(record: DatasetRecord, user: string): DatasetRecord {
  if (record.owner !== user) {
    throw new HttpError(403, `Permission denied: ${record.owner}/${record.slug} is not yours.`);
  }
  return record;
}

/** A new version from the request body; subtitle, description and tags change when given. */
async function addVersion(
  ctx: ServiceContext,
  call: RpcCall,
  user: string,
  record: DatasetRecord,
  body: z.infer<typeof versionBodySchema>,
) {
  const blobs = blobsFor(ctx, user, body?.files ?? [], body?.directories ?? []);
  if (typeof blobs === 'string') return { status: 'Error', error: blobs, invalidTags: [] };
  if (body?.subtitle || body?.description || (body?.categoryIds ?? []).length > 0) {
    await ctx.datasetStore.update(record, (r) => {
      if (body?.subtitle) r.subtitle = body.subtitle;
      if (body?.description) r.description = body.description;
      if (body?.categoryIds && body.categoryIds.length > 0) r.keywords = body.categoryIds;
    });
  }
  await ctx.datasetStore.addVersion(
    record,
    undefined,
    blobs,
    body?.versionNotes ?? '',
    ctx.nowMs(),
    { deleteOldVersions: body?.deleteOldVersions ?? false },
  );
  return {
    ref: `${record.owner}/${record.slug}`,
    url: `${call.origin}/datasets/${record.owner}/${record.slug}`,
    status: 'Ok',
    invalidTags: [],
  };
}

const createDatasetVersion: RpcHandler = async (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(versionSchema, call.body);
  const record = ownDataset(findDataset(ctx, user, req), user);
  return addVersion(ctx, call, user, record, req.body);
};

/** The form the official CLI uses when dataset-metadata.json has `id_no`. */
const createDatasetVersionById: RpcHandler = async (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(versionByIdSchema, call.body);
  const found = ctx.datasetStore.byId(req.id ?? 0);
  if (found === undefined || (found.isPrivate && found.owner !== user)) {
    throw new HttpError(404, `Dataset with id ${req.id ?? 0} not found.`);
  }
  return addVersion(ctx, call, user, ownDataset(found, user), req.body);
};

/** `kaggle datasets delete`: the dataset and every version's files go. */
const deleteDataset: RpcHandler = async (ctx, call) => {
  const user = requireUser(call.user);
  const record = ownDataset(findDataset(ctx, user, parseBody(refSchema, call.body)), user);
  await ctx.datasetStore.remove(record);
  return {};
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
      fileType: /\.([^./]+)$/.exec(f.name)?.[1] ?? '',
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
    CreateDatasetVersionById: createDatasetVersionById,
    DeleteDataset: deleteDataset,
    GetDatasetStatus: getDatasetStatus,
    ListDatasetFiles: listDatasetFiles,
  },
};
