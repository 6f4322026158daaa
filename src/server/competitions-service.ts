// competitions.CompetitionApiService over the seeded competitions (seeded-sources.ts), as
// kagglehub's competition_download and `kaggle competitions files` call it: ApiListDataFiles
// (paged), ApiDownloadDataFile (one file) and ApiDownloadDataFiles (all of them as
// `<competition>.zip`), the downloads by a 302 to a signed URL. Seeded competitions have no
// rules to accept: every account may read them.

import { stat } from 'node:fs/promises';
import * as z from 'zod';
import { listRegularFiles } from '../platform/local/list-files.js';
import type { RpcHandler, ServiceContext } from './context.js';
import { redirectTo } from './download-redirect.js';
import { HttpError, parseBody } from './http-util.js';
import { requireUser } from './kernel-access.js';
import { pageSize } from './paging.js';

const competitionSchema = z.object({
  competitionName: z.string().nullish(),
  fileName: z.string().nullish(),
  pageSize: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]).nullish(),
  pageToken: z.string().nullish(),
});

async function findCompetition(ctx: ServiceContext, name: string | null | undefined) {
  const slug = name ?? '';
  const folder = await ctx.seeded.competition(slug);
  if (folder === undefined) throw new HttpError(404, `Competition ${slug} not found.`);
  return { slug, folder };
}

/** Page tokens are offsets into the sorted file list. */
const listDataFiles: RpcHandler = async (ctx, call) => {
  requireUser(call.user);
  const req = parseBody(competitionSchema, call.body);
  const { slug, folder } = await findCompetition(ctx, req.competitionName);
  if (req.pageToken && !/^\d+$/.test(req.pageToken)) {
    throw new HttpError(400, `Invalid pageToken "${req.pageToken}".`);
  }
  const files = await listRegularFiles(folder).catch(() => []);
  const offset = Number(req.pageToken || 0);
  const size = pageSize(req.pageSize ?? undefined, 20, 200);
  return {
    files: await Promise.all(
      files.slice(offset, offset + size).map(async (f) => {
        const info = await stat(f.absolute).catch(() => undefined);
        return {
          ref: f.path,
          name: f.path,
          description: '',
          totalBytes: info?.size ?? 0,
          url: `${call.origin}/competitions/${slug}/data?select=${encodeURIComponent(f.path)}`,
          creationDate: (info?.mtime ?? new Date(ctx.nowMs())).toISOString(),
        };
      }),
    ),
    nextPageToken: offset + size < files.length ? String(offset + size) : '',
  };
};

const downloadDataFile: RpcHandler = async (ctx, call) => {
  requireUser(call.user);
  const req = parseBody(competitionSchema, call.body);
  const { slug, folder } = await findCompetition(ctx, req.competitionName);
  const fileName = (req.fileName ?? '').replace(/^\/+/, '');
  const files = await listRegularFiles(folder).catch(() => []);
  if (!files.some((f) => f.path === fileName)) {
    throw new HttpError(404, `Competition ${slug} has no data file "${fileName}".`);
  }
  return redirectTo(ctx, call.origin, { scope: { kind: 'competition', slug }, path: fileName });
};

const downloadDataFiles: RpcHandler = async (ctx, call) => {
  requireUser(call.user);
  const req = parseBody(competitionSchema, call.body);
  const { slug } = await findCompetition(ctx, req.competitionName);
  return redirectTo(ctx, call.origin, {
    scope: { kind: 'competition', slug },
    path: `${slug}.zip`,
    archive: true,
  });
};

export const competitionsRpcTable: Record<string, Record<string, RpcHandler>> = {
  'competitions.CompetitionApiService': {
    ApiListDataFiles: listDataFiles,
    ApiDownloadDataFile: downloadDataFile,
    ApiDownloadDataFiles: downloadDataFiles,
  },
};
