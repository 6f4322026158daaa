// ListDatasets (`kaggle datasets list`): the selection groups, filters and sort orders of
// ApiListDatasetsRequest, 20 datasets a page. The CLI sends `group` DATASET_SELECTION_GROUP_MY
// for -m and DATASET_SELECTION_GROUP_USER with `user` for --user; both page by `page`,
// SDK callers by `pageToken`.
//
// The server keeps no votes, views, bookmarks or collaborators: the groups built on them
// (UPVOTED, BOOKMARKED, COLLABORATION, SHARED_WITH_*, FEATURED...) are empty, and the sort
// orders built on them (VOTES, HOTTEST, ACTIVE, USABILITY, LAST_VIEWED) order by the last
// update, as they would among datasets with no activity.

import * as z from 'zod';
import type { RpcHandler } from './context.js';
import type { DatasetRecord } from './dataset-store.js';
import { apiDataset, totalBytes } from './dataset-view.js';
import { HttpError, parseBody } from './http-util.js';
import { enumValue } from './wire-enum.js';
import { requireUser } from './kernel-access.js';
import { pageSize } from './paging.js';

const GROUPS = [
  'PUBLIC',
  'MY',
  'USER',
  'USER_SHARED_WITH_ME',
  'UPVOTED',
  'MY_PRIVATE',
  'MY_PUBLIC',
  'ORGANIZATION',
  'BOOKMARKED',
  'COLLABORATION',
  'SHARED_WITH_USER',
  'FEATURED',
  'ALL',
  'UNFEATURED',
] as const;
const SORTS = [
  'HOTTEST',
  'VOTES',
  'UPDATED',
  'ACTIVE',
  'PUBLISHED',
  'RELEVANCE',
  'LAST_VIEWED',
  'USABILITY',
] as const;

const intField = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

const listSchema = z.object({
  group: z.string().nullish(),
  sortBy: z.string().nullish(),
  size: z.string().nullish(),
  fileType: z.string().nullish(),
  license: z.string().nullish(),
  viewed: z.string().nullish(),
  tagIds: z.string().nullish(),
  search: z.string().nullish(),
  user: z.string().nullish(),
  minSize: intField.nullish(),
  maxSize: intField.nullish(),
  page: intField.nullish(),
  pageToken: z.string().nullish(),
  pageSize: intField.nullish(),
});
type ListRequest = z.infer<typeof listSchema>;

/** Extensions of each DatasetFileTypeGroup. */
const FILE_TYPES: Record<string, string[]> = {
  CSV: ['csv'],
  SQLITE: ['sqlite', 'db', 'sqlite3'],
  JSON: ['json', 'jsonl'],
  BIG_QUERY: [],
  PARQUET: ['parquet'],
};

/** DatasetLicenseGroup by the license name's family. */
function licenseGroup(name: string): string {
  const upper = name.toUpperCase();
  if (upper.startsWith('CC')) return 'CC';
  if (upper.includes('GPL')) return 'GPL';
  if (upper.startsWith('ODB') || upper.includes('ODC')) return 'ODB';
  return 'OTHER';
}

/** DatasetSizeGroup bounds, in bytes, as Kaggle's size filter reads them. */
const SIZE_BOUNDS: Record<string, [number, number]> = {
  SMALL: [0, 1 << 30],
  MEDIUM: [1 << 30, 1 << 33],
  LARGE: [1 << 33, Number.POSITIVE_INFINITY],
};

function inGroup(
  record: DatasetRecord,
  group: (typeof GROUPS)[number],
  user: string,
  named: string,
) {
  const visible = !record.isPrivate || record.owner === user;
  switch (group) {
    case 'PUBLIC':
    case 'ALL':
    case 'UNFEATURED':
      return !record.isPrivate && (named === '' || record.owner === named);
    case 'MY':
      return record.owner === user;
    case 'MY_PRIVATE':
      return record.owner === user && record.isPrivate;
    case 'MY_PUBLIC':
      return record.owner === user && !record.isPrivate;
    case 'USER':
      return visible && record.owner === (named || user);
    default:
      return false;
  }
}

function matches(record: DatasetRecord, req: ListRequest): boolean {
  const search = (req.search ?? '').toLowerCase().trim();
  if (search !== '') {
    const text = `${record.owner}/${record.slug} ${record.title} ${record.subtitle} ${record.description}`;
    if (!search.split(/\s+/).every((word) => text.toLowerCase().includes(word))) return false;
  }
  const tags = (req.tagIds ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  const keywords = (record.keywords ?? []).map((k) => k.toLowerCase());
  if (!tags.every((t) => keywords.includes(t))) return false;
  const latest = record.versions.at(-1);
  const bytes = totalBytes(latest);
  if (req.minSize !== undefined && req.minSize !== null && bytes < req.minSize) return false;
  if (req.maxSize !== undefined && req.maxSize !== null && bytes > req.maxSize) return false;
  const size = enumValue(req.size, {
    field: 'size',
    prefix: 'DATASET_SIZE_GROUP_',
    values: ['ALL', 'SMALL', 'MEDIUM', 'LARGE'],
    fallback: 'ALL',
    prefixed: true,
  });
  const bounds = SIZE_BOUNDS[size];
  if (bounds !== undefined && (bytes < bounds[0] || bytes >= bounds[1])) return false;
  const fileType = enumValue(req.fileType, {
    field: 'fileType',
    prefix: 'DATASET_FILE_TYPE_GROUP_',
    values: ['ALL', 'CSV', 'SQLITE', 'JSON', 'BIG_QUERY', 'PARQUET'],
    fallback: 'ALL',
    prefixed: true,
  });
  const extensions = FILE_TYPES[fileType];
  if (
    extensions !== undefined &&
    !(latest?.files ?? []).some((f) =>
      extensions.includes(/\.([^./]+)$/.exec(f.name)?.[1]?.toLowerCase() ?? ''),
    )
  ) {
    return false;
  }
  const license = enumValue(req.license, {
    field: 'license',
    prefix: 'DATASET_LICENSE_GROUP_',
    values: ['ALL', 'CC', 'GPL', 'ODB', 'OTHER'],
    fallback: 'ALL',
    prefixed: true,
  });
  if (license !== 'ALL' && licenseGroup(record.licenseName) !== license) return false;
  return true;
}

function updatedAt(record: DatasetRecord): string {
  return record.versions.at(-1)?.createdAt ?? record.createdAt;
}

/** How well the search names a dataset: in its slug or title first, then elsewhere. */
function relevance(record: DatasetRecord, search: string): number {
  if (search === '') return 0;
  const s = search.toLowerCase();
  if (record.slug.toLowerCase().includes(s) || record.title.toLowerCase().includes(s)) return 2;
  return 1;
}

function sortDatasets(list: DatasetRecord[], sortBy: (typeof SORTS)[number], search: string) {
  const byRef = (a: DatasetRecord, b: DatasetRecord) =>
    `${a.owner}/${a.slug}`.localeCompare(`${b.owner}/${b.slug}`);
  const byUpdate = (a: DatasetRecord, b: DatasetRecord) =>
    updatedAt(b).localeCompare(updatedAt(a)) || byRef(a, b);
  switch (sortBy) {
    case 'PUBLISHED':
      return list.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || byRef(a, b));
    case 'RELEVANCE':
      return list.sort((a, b) => relevance(b, search) - relevance(a, search) || byUpdate(a, b));
    default:
      return list.sort(byUpdate);
  }
}

const listDatasets: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(listSchema, call.body);
  const group = enumValue(req.group, {
    field: 'group',
    prefix: 'DATASET_SELECTION_GROUP_',
    values: GROUPS,
    fallback: 'PUBLIC',
    prefixed: true,
  });
  const sortBy = enumValue(req.sortBy, {
    field: 'sortBy',
    prefix: 'DATASET_SORT_BY_',
    values: SORTS,
    fallback: 'HOTTEST',
    prefixed: true,
  });
  enumValue(req.viewed, {
    field: 'viewed',
    prefix: 'DATASET_VIEWED_GROUP_',
    values: ['UNSPECIFIED', 'VIEWED'],
    fallback: 'UNSPECIFIED',
    prefixed: true,
  });
  const named = (req.user ?? '').trim();
  const selected = ctx.datasetStore
    .all()
    .filter((r) => inGroup(r, group, user, named) && matches(r, req));
  const sorted = sortDatasets(selected, sortBy, (req.search ?? '').trim());
  const size = pageSize(req.pageSize ?? undefined, 20, 100);
  if (req.pageToken && !/^[1-9]\d*$/.test(req.pageToken)) {
    throw new HttpError(400, `Invalid pageToken "${req.pageToken}": pass a nextPageToken.`);
  }
  if (req.page !== undefined && req.page !== null && req.page < 1) {
    throw new HttpError(400, 'page must be 1 or more.');
  }
  const page = req.pageToken ? Number(req.pageToken) : (req.page ?? 1);
  const slice = sorted.slice((page - 1) * size, page * size);
  return Promise.resolve({
    datasets: slice.map((r) => apiDataset(ctx, r, call.origin)),
    nextPageToken: page * size < sorted.length ? String(page + 1) : '',
  });
};

export const datasetListRpcTable: Record<string, Record<string, RpcHandler>> = {
  'datasets.DatasetApiService': { ListDatasets: listDatasets },
};
