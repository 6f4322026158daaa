// GetDatasetMetadata and UpdateDatasetMetadata (`kaggle datasets metadata [--update]`): a
// dataset's settings as DatasetInfo (the CLI writes them to dataset-metadata.json, and its
// download reads the license from them) and their change from DatasetSettings. An update
// changes what it names; `isPrivate` is left alone (the CLI never sends it, so its default
// `false` would make every updated dataset public), as are the files themselves.

import * as z from 'zod';
import type { RpcHandler } from './context.js';
import type { DatasetFileRecord } from './dataset-store.js';
import { findDataset, ownDataset, refSchema } from './datasets-service.js';
import { parseBody } from './http-util.js';
import { requireUser } from './kernel-access.js';

const getDatasetMetadata: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  const record = findDataset(ctx, user, parseBody(refSchema, call.body));
  const latest = record.versions.at(-1);
  return Promise.resolve({
    info: {
      datasetId: record.id,
      datasetSlug: record.slug,
      ownerUser: record.owner,
      totalViews: 0,
      totalVotes: 0,
      totalDownloads: 0,
      title: record.title,
      subtitle: record.subtitle,
      description: record.description,
      isPrivate: record.isPrivate,
      keywords: record.keywords ?? [],
      licenses: [{ name: record.licenseName }],
      collaborators: [],
      data: (latest?.files ?? []).map((f) => ({
        name: f.name,
        description: f.description ?? '',
        totalBytes: f.size,
        columns: (f.columns ?? []).map((c) => ({
          name: c.name,
          description: c.description,
          type: c.type,
        })),
      })),
    },
  });
};

const settingsSchema = z
  .object({
    title: z.string().nullish(),
    subtitle: z.string().nullish(),
    description: z.string().nullish(),
    isPrivate: z.boolean().nullish(),
    keywords: z.array(z.string()).nullish(),
    licenses: z.array(z.object({ name: z.string().nullish() }).loose()).nullish(),
    collaborators: z.array(z.unknown()).nullish(),
    data: z
      .array(
        z
          .object({
            name: z.string(),
            description: z.string().nullish(),
            columns: z
              .array(
                z
                  .object({
                    name: z.string(),
                    description: z.string().nullish(),
                    type: z.string().nullish(),
                  })
                  .loose(),
              )
              .nullish(),
          })
          .loose(),
      )
      .nullish(),
  })
  .loose();

const updateSchema = refSchema.extend({ settings: settingsSchema.nullish() });

/** Problems are answered in `errors` (HTTP 200), as ApiUpdateDatasetMetadataResponse has them. */
const updateDatasetMetadata: RpcHandler = async (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(updateSchema, call.body);
  const record = ownDataset(findDataset(ctx, user, req), user);
  const settings = req.settings ?? {};
  const errors: string[] = [];
  const title = settings.title?.trim();
  if (title !== undefined && title !== '' && (title.length < 6 || title.length > 50)) {
    errors.push(`The title must be 6 to 50 characters long ("${title}" is ${title.length}).`);
  }
  const licenses = (settings.licenses ?? []).map((l) => l.name ?? '').filter(Boolean);
  if (licenses.length > 1) errors.push('A dataset has one license: name only one.');
  const latest = record.versions.at(-1);
  const files = new Map<string, DatasetFileRecord>((latest?.files ?? []).map((f) => [f.name, f]));
  for (const entry of settings.data ?? []) {
    if (!files.has(entry.name)) {
      errors.push(`The dataset has no file "${entry.name}" to describe.`);
    }
  }
  if (errors.length > 0) return { errors };
  await ctx.datasetStore.update(record, (r) => {
    if (title) r.title = title;
    if (settings.subtitle !== undefined && settings.subtitle !== null) {
      r.subtitle = settings.subtitle;
    }
    if (settings.description !== undefined && settings.description !== null) {
      r.description = settings.description;
    }
    if (settings.keywords) r.keywords = settings.keywords;
    if (licenses[0] !== undefined) r.licenseName = licenses[0];
    for (const entry of settings.data ?? []) {
      const file = files.get(entry.name);
      if (file === undefined) continue;
      if (entry.description !== undefined && entry.description !== null) {
        file.description = entry.description;
      }
      if (entry.columns) {
        file.columns = entry.columns.map((c) => ({
          name: c.name,
          type: c.type ?? '',
          description: c.description ?? '',
        }));
      }
    }
  });
  return { errors: [] };
};

export const datasetMetadataRpcTable: Record<string, Record<string, RpcHandler>> = {
  'datasets.DatasetApiService': {
    GetDatasetMetadata: getDatasetMetadata,
    UpdateDatasetMetadata: updateDatasetMetadata,
  },
};
