// ListKernelSessionOutput (`kaggle kernels output`) and ListKernelFiles: the files under a
// version's working folder, paged, each with a signed download URL; plus the persisted log.
// While the version is still queued or running the listing is empty, as on Kaggle.

import { stat } from 'node:fs/promises';
import * as z from 'zod';
import { listRegularFiles } from '../platform/local/list-files.js';
import type { RpcCall, RpcHandler, ServiceContext } from './context.js';
import { parseBody } from './http-util.js';
import { findReadableKernel, pickVersion, requireUser } from './kernel-access.js';
import { isTerminalStatus, type KernelRecord, type VersionRecord } from './kernel-store.js';
import { decodePageToken, encodePageToken, pageSize } from './paging.js';
import { signFileUrl } from './signed-url.js';

/** The largest persisted log sent inside a listing (clients cap the answers they read). */
export const LISTING_LOG_LIMIT = 8 * 1024 * 1024;

async function logFits(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.size <= LISTING_LOG_LIMIT,
    () => true,
  );
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 200;

const listSchema = z.object({
  userName: z.string().nullish(),
  kernelSlug: z.string().nullish(),
  pageSize: z.number().nullish(),
  pageToken: z.string().nullish(),
  versionLabel: z.string().nullish(),
});

interface Page {
  kernel: KernelRecord;
  version: VersionRecord;
  files: { path: string; absolute: string }[];
  firstPage: boolean;
  nextPageToken: string;
}

/**
 * A finished version's files never change, so each server lists them once and pages through
 * that listing (recently used versions only), instead of walking the folder for every page.
 */
const listings = new WeakMap<ServiceContext, Map<string, Promise<ListedFile[]>>>();
const LISTINGS_KEPT = 32;
type ListedFile = Awaited<ReturnType<typeof listRegularFiles>>[number];

function finishedListing(ctx: ServiceContext, key: string, folder: string) {
  let cache = listings.get(ctx);
  if (cache === undefined) listings.set(ctx, (cache = new Map<string, Promise<ListedFile[]>>()));
  let listing = cache.get(key);
  if (listing === undefined) {
    listing = listRegularFiles(folder).catch(() => []);
    if (cache.size >= LISTINGS_KEPT) cache.delete(cache.keys().next().value ?? '');
  } else {
    cache.delete(key); // re-inserted below: the most recently used stay
  }
  cache.set(key, listing);
  return listing;
}

async function listPage(ctx: ServiceContext, call: RpcCall): Promise<Page> {
  const user = requireUser(call.user);
  const req = parseBody(listSchema, call.body);
  const found = findReadableKernel(ctx.store, user, {
    userName: req.userName ?? undefined,
    kernelSlug: req.kernelSlug ?? undefined,
    versionLabel: req.versionLabel ?? undefined,
  });
  const { kernel } = found;
  const token = req.pageToken ?? '';
  const position =
    token === ''
      ? { kernel: kernel.id, version: pickVersion(kernel, found.version).number, offset: 0 }
      : decodePageToken(token, kernel.id);
  const version = pickVersion(kernel, position.version);
  const size = pageSize(req.pageSize ?? undefined, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const all = isTerminalStatus(version.status)
    ? await finishedListing(
        ctx,
        `${kernel.id}:${version.number}`,
        ctx.store.workingDir(kernel, version.number),
      )
    : [];
  const end = position.offset + size;
  return {
    kernel,
    version,
    files: all.slice(position.offset, end),
    firstPage: token === '',
    nextPageToken: end < all.length ? encodePageToken({ ...position, offset: end }) : '',
  };
}

export const listKernelSessionOutput: RpcHandler = async (ctx, call) => {
  const page = await listPage(ctx, call);
  const { kernel, version } = page;
  const expires = ctx.nowMs() / 1000 + ctx.limits.urlTtlSeconds;
  const files = page.files.map((f) => ({
    url: signFileUrl(
      call.origin,
      ctx.store.secret,
      {
        scope: { kind: 'kernel', owner: kernel.owner, slug: kernel.slug, version: version.number },
        path: f.path,
      },
      expires,
    ),
    fileName: f.path,
  }));
  // The log goes with the first page only: the official CLI writes it from page one. A log
  // too big to travel inside a JSON answer is left out; the log stream URL serves it whole.
  const log =
    page.firstPage &&
    isTerminalStatus(version.status) &&
    (await logFits(ctx.store.logPath(kernel, version.number)))
      ? ((await ctx.store.readLog(kernel, version.number)) ?? '')
      : '';
  return { files, log, nextPageToken: page.nextPageToken };
};

/** "3:38 pm, Saturday 6 June 2026 UTC", the human date Kaggle puts in ListKernelFiles. */
export function humanDate(date: Date): string {
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const months = [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ];
  const hours = date.getUTCHours();
  const minutes = String(date.getUTCMinutes()).padStart(2, '0');
  const clock = `${hours % 12 === 0 ? 12 : hours % 12}:${minutes} ${hours < 12 ? 'am' : 'pm'}`;
  return `${clock}, ${days[date.getUTCDay()]} ${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} UTC`;
}

export const listKernelFiles: RpcHandler = async (ctx, call) => {
  const page = await listPage(ctx, call);
  const files = await Promise.all(
    page.files.map(async (f) => {
      const info = await stat(f.absolute).catch(() => undefined);
      return {
        name: f.path,
        size: info?.size ?? 0,
        creationDate: humanDate(info?.mtime ?? new Date(ctx.nowMs())),
      };
    }),
  );
  return { files, nextPageToken: page.nextPageToken };
};
