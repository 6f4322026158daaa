// ListKernels (`kaggle kernels list`): the groups, filters and sort orders of
// ApiListKernelsRequest. EVERYONE lists public kernels only; PUBLIC_AND_USERS_PRIVATE adds the
// caller's private ones; PROFILE is the caller's own, private included. `page` counts from 1;
// `pageToken`, when given, wins (our tokens are page numbers).
//
// The server keeps no votes, views, comments, scores, bookmarks, collaborators or forks: the
// groups built on them (UPVOTED, COLLABORATION, FORK, BOOKMARKED, RECENTLY_VIEWED) are empty,
// and the sort orders built on them (HOTNESS, COMMENT_COUNT, SCORE_*, VIEW_COUNT, VOTE_COUNT)
// order by the last run, as they would among kernels with no activity. A pushed kernel has no
// fork parent, so `parentKernel` selects the kernels that take that kernel's output as input.

import * as z from 'zod';
import { listRegularFiles } from '../platform/local/list-files.js';
import type { RpcHandler, ServiceContext } from './context.js';
import { HttpError, parseBody } from './http-util.js';
import { enumValue } from './wire-enum.js';
import { kernelMetadata, requireUser } from './kernel-access.js';
import { isTerminalStatus, type KernelRecord } from './kernel-store.js';

const GROUPS = [
  'KERNELS_LIST_VIEW_TYPE_UNSPECIFIED',
  'PROFILE',
  'UPVOTED',
  'EVERYONE',
  'COLLABORATION',
  'FORK',
  'BOOKMARKED',
  'RECENTLY_VIEWED',
  'PUBLIC_AND_USERS_PRIVATE',
] as const;
type Group = (typeof GROUPS)[number];

const SORTS = [
  'HOTNESS',
  'COMMENT_COUNT',
  'DATE_CREATED',
  'DATE_RUN',
  'RELEVANCE',
  'SCORE_ASCENDING',
  'SCORE_DESCENDING',
  'VIEW_COUNT',
  'VOTE_COUNT',
] as const;
type Sort = (typeof SORTS)[number];

const CHOICES = {
  language: ['all', 'python', 'r', 'sqlite', 'julia'],
  kernelType: ['all', 'script', 'notebook'],
  outputType: ['all', 'visualization', 'data'],
} as const;

function choice(raw: string | null | undefined, field: keyof typeof CHOICES): string {
  const value = (raw || 'all').toLowerCase();
  if (!(CHOICES[field] as readonly string[]).includes(value)) {
    throw new HttpError(
      400,
      `Invalid ${field} "${raw ?? ''}": use one of ${CHOICES[field].join(', ')}.`,
    );
  }
  return value;
}

const listSchema = z.object({
  competition: z.string().nullish(),
  dataset: z.string().nullish(),
  parentKernel: z.string().nullish(),
  group: z.string().nullish(),
  kernelType: z.string().nullish(),
  language: z.string().nullish(),
  outputType: z.string().nullish(),
  search: z.string().nullish(),
  sortBy: z.string().nullish(),
  user: z.string().nullish(),
  page: z.number().int().nullish(),
  pageSize: z.number().int().nullish(),
  pageToken: z.string().nullish(),
});

function inGroup(kernel: KernelRecord, group: Group, user: string): boolean {
  switch (group) {
    case 'KERNELS_LIST_VIEW_TYPE_UNSPECIFIED':
    case 'EVERYONE':
      return !kernel.isPrivate;
    case 'PUBLIC_AND_USERS_PRIVATE':
      return !kernel.isPrivate || kernel.owner === user;
    case 'PROFILE':
      return kernel.owner === user;
    default:
      return false;
  }
}

/** `owner/slug` names a source with or without a version (`owner/slug/3`). */
function namesSource(sources: readonly string[], ref: string): boolean {
  return sources.some((s) => s === ref || s.startsWith(`${ref}/`));
}

const IMAGE = /\.(png|jpe?g|gif|svg|html?)$/i;

/** What the latest finished version wrote: `data` (any file), `visualization` (images, HTML). */
async function outputKinds(ctx: ServiceContext, kernel: KernelRecord): Promise<Set<string>> {
  const finished = kernel.versions.findLast((v) => isTerminalStatus(v.status));
  if (finished === undefined) return new Set();
  const files = await listRegularFiles(ctx.store.workingDir(kernel, finished.number)).catch(
    () => [],
  );
  const kinds = new Set<string>();
  if (files.length > 0) kinds.add('data');
  if (files.some((f) => IMAGE.test(f.path))) kinds.add('visualization');
  return kinds;
}

function lastRun(kernel: KernelRecord): string {
  const latest = kernel.versions.at(-1);
  return latest?.startedAt ?? latest?.createdAt ?? kernel.createdAt;
}

function relevance(kernel: KernelRecord, search: string): number {
  if (search === '') return 0;
  if (kernel.slug.includes(search)) return 2;
  return kernel.title.toLowerCase().includes(search) ? 1 : 0;
}

function sortKernels(kernels: KernelRecord[], sortBy: Sort, search: string): KernelRecord[] {
  const byRun = (a: KernelRecord, b: KernelRecord) =>
    lastRun(b).localeCompare(lastRun(a)) || b.id - a.id;
  switch (sortBy) {
    case 'DATE_CREATED':
      return kernels.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
    case 'RELEVANCE':
      return kernels.sort((a, b) => relevance(b, search) - relevance(a, search) || byRun(a, b));
    default:
      return kernels.sort(byRun);
  }
}

export const listKernels: RpcHandler = async (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(listSchema, call.body);
  const group = enumValue(req.group, {
    field: 'group',
    prefix: 'KERNELS_LIST_VIEW_TYPE_',
    values: GROUPS,
    fallback: 'EVERYONE',
    prefixed: false,
  });
  const sortBy = enumValue(req.sortBy, {
    field: 'sortBy',
    prefix: 'KERNELS_LIST_SORT_TYPE_',
    values: SORTS,
    fallback: 'HOTNESS',
    prefixed: false,
  });
  const language = choice(req.language, 'language');
  const kernelType = choice(req.kernelType, 'kernelType');
  const outputType = choice(req.outputType, 'outputType');
  const search = (req.search ?? '').toLowerCase().trim();
  const competition = req.competition ?? '';
  const dataset = req.dataset ?? '';
  const parent = req.parentKernel ?? '';
  const selected = ctx.store.all().filter((k) => {
    if (!inGroup(k, group, user)) return false;
    if (req.user && k.owner !== req.user) return false;
    if (search && !`${k.title} ${k.slug}`.toLowerCase().includes(search)) return false;
    if (language !== 'all' && k.language !== language) return false;
    if (kernelType !== 'all' && k.kernelType !== kernelType) return false;
    if (competition && !k.competitionDataSources.includes(competition)) return false;
    if (dataset && !namesSource(k.datasetDataSources, dataset)) return false;
    if (parent && !namesSource(k.kernelDataSources, parent)) return false;
    return true;
  });
  const kinds =
    outputType === 'all' ? [] : await Promise.all(selected.map((k) => outputKinds(ctx, k)));
  const kernels = sortKernels(
    selected.filter((_, i) => outputType === 'all' || kinds[i]?.has(outputType) === true),
    sortBy,
    search,
  );
  if (req.pageToken && !/^[1-9]\d*$/.test(req.pageToken)) {
    throw new HttpError(400, `Invalid pageToken "${req.pageToken}": pass a nextPageToken.`);
  }
  const size = Math.min(Math.max(req.pageSize ?? 20, 1), 100);
  const page = Math.max(req.pageToken ? Number(req.pageToken) : (req.page ?? 1), 1);
  const slice = kernels.slice((page - 1) * size, page * size);
  return {
    kernels: slice.map(kernelMetadata),
    nextPageToken: page * size < kernels.length ? String(page + 1) : '',
  };
};
