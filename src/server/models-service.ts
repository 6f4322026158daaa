// models.ModelApiService as kagglehub's model_download calls it, over the seeded models
// (seeded-sources.ts): ApiGetModelInstance (the variation's latest version), its file listing
// (ApiListModelInstanceVersionFiles, paged) and ApiDownloadModelInstanceVersion (one file, or
// the version as a zip, by a 302 to a signed URL). `framework` is matched in any spelling
// (`MODEL_FRAMEWORK_PY_TORCH`, `pyTorch`, `pytorch`).

import { stat } from 'node:fs/promises';
import * as z from 'zod';
import { listRegularFiles } from '../platform/local/list-files.js';
import type { RpcHandler, ServiceContext } from './context.js';
import { redirectTo } from './download-redirect.js';
import { HttpError, parseBody } from './http-util.js';
import { requireUser } from './kernel-access.js';
import { pageSize } from './paging.js';

const intField = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

const instanceSchema = z.object({
  ownerSlug: z.string().nullish(),
  modelSlug: z.string().nullish(),
  framework: z.string().nullish(),
  instanceSlug: z.string().nullish(),
  versionNumber: intField.nullish(),
  path: z.string().nullish(),
  pageSize: intField.nullish(),
  pageToken: z.string().nullish(),
});
type InstanceRequest = z.infer<typeof instanceSchema>;

/** The seeded version folder a request names (its newest version when it names none). */
export async function findModelVersion(ctx: ServiceContext, req: InstanceRequest) {
  const owner = req.ownerSlug ?? '';
  const model = req.modelSlug ?? '';
  const variation = req.instanceSlug ?? '';
  const name = `${owner}/${model}/${req.framework ?? ''}/${variation}`;
  const framework = await ctx.seeded.modelFramework(owner, model, req.framework ?? '');
  const found =
    framework === undefined
      ? undefined
      : await ctx.seeded.model({
          owner,
          model,
          framework,
          variation,
          version: req.versionNumber ?? undefined,
        });
  if (framework === undefined || found === undefined) {
    const version = req.versionNumber ? ` version ${req.versionNumber}` : '';
    throw new HttpError(404, `Model ${name}${version} not found.`);
  }
  return { ...found, owner, model, framework, variation };
}

const getModelInstance: RpcHandler = async (ctx, call) => {
  requireUser(call.user);
  const req = parseBody(instanceSchema, call.body);
  const found = await findModelVersion(ctx, { ...req, versionNumber: undefined });
  const files = await listRegularFiles(found.folder).catch(() => []);
  let bytes = 0;
  for (const f of files) bytes += (await stat(f.absolute).catch(() => undefined))?.size ?? 0;
  const frameworkName = /^MODEL_FRAMEWORK_/.test(req.framework ?? '')
    ? req.framework
    : `MODEL_FRAMEWORK_${found.framework.toUpperCase()}`;
  return {
    slug: found.variation,
    framework: frameworkName,
    versionNumber: found.version,
    url: `${call.origin}/models/${found.owner}/${found.model}/${found.framework}/${found.variation}`,
    totalUncompressedBytes: bytes,
  };
};

/** Page tokens are `<version>:<offset>`. */
const listModelInstanceVersionFiles: RpcHandler = async (ctx, call) => {
  requireUser(call.user);
  const req = parseBody(instanceSchema, call.body);
  const token = req.pageToken ? /^(\d+):(\d+)$/.exec(req.pageToken) : undefined;
  if (token === null) throw new HttpError(400, `Invalid pageToken "${req.pageToken}".`);
  const found = await findModelVersion(ctx, {
    ...req,
    versionNumber: token?.[1] !== undefined ? Number(token[1]) : req.versionNumber,
  });
  const files = await listRegularFiles(found.folder).catch(() => []);
  const offset = Number(token?.[2] ?? 0);
  const size = pageSize(req.pageSize ?? undefined, 20, 200);
  const slice = files.slice(offset, offset + size);
  return {
    files: await Promise.all(
      slice.map(async (f) => {
        const info = await stat(f.absolute).catch(() => undefined);
        return {
          name: f.path,
          size: info?.size ?? 0,
          creationDate: (info?.mtime ?? new Date(ctx.nowMs())).toISOString(),
        };
      }),
    ),
    nextPageToken: offset + size < files.length ? `${found.version}:${offset + size}` : '',
  };
};

const downloadModelInstanceVersion: RpcHandler = async (ctx, call) => {
  requireUser(call.user);
  const req = parseBody(instanceSchema, call.body);
  if (req.versionNumber === undefined || req.versionNumber === null) {
    throw new HttpError(400, 'versionNumber is required to download a model version.');
  }
  const found = await findModelVersion(ctx, req);
  const scope = {
    kind: 'model' as const,
    owner: found.owner,
    model: found.model,
    framework: found.framework,
    variation: found.variation,
    version: found.version,
  };
  const path = (req.path ?? '').replace(/^\/+/, '');
  if (path === '') {
    return redirectTo(ctx, call.origin, { scope, path: 'model.zip', archive: true });
  }
  const files = await listRegularFiles(found.folder).catch(() => []);
  if (!files.some((f) => f.path === path)) {
    throw new HttpError(404, `The model version has no file "${path}".`);
  }
  return redirectTo(ctx, call.origin, { scope, path });
};

export const modelsRpcTable: Record<string, Record<string, RpcHandler>> = {
  'models.ModelApiService': {
    ApiGetModelInstance: getModelInstance,
    ApiListModelInstanceVersionFiles: listModelInstanceVersionFiles,
    ApiDownloadModelInstanceVersion: downloadModelInstanceVersion,
  },
};
