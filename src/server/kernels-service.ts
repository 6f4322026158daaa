// kernels.KernelsApiService methods other than push and output listing, and the RPC table.

import { z } from 'zod';
import type { RpcHandler } from './context.js';
import { HttpError, parseBody } from './http-util.js';
import { findReadableKernel, kernelMetadata, pickVersion, requireUser } from './kernel-access.js';
import { listKernelFiles, listKernelSessionOutput } from './kernel-output.js';
import type { KernelRecord } from './kernel-store.js';
import { quotaStatistics } from './quota.js';
import { saveKernel } from './save-kernel.js';
import { introspectToken } from './security-service.js';

const kernelRefSchema = z.object({
  userName: z.string().nullish(),
  kernelSlug: z.string().nullish(),
  versionLabel: z.string().nullish(),
});

function lookup(body: z.infer<typeof kernelRefSchema>) {
  return {
    userName: body.userName ?? undefined,
    kernelSlug: body.kernelSlug ?? undefined,
    versionLabel: body.versionLabel ?? undefined,
  };
}

/**
 * Only the latest version's status is visible, as on Kaggle (versionLabel is ignored here on
 * purpose: clients must not rely on asking for an older version's status).
 */
const getKernelSessionStatus: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  const body = parseBody(kernelRefSchema, call.body);
  const { kernel } = findReadableKernel(ctx.store, user, {
    ...lookup(body),
    versionLabel: undefined,
  });
  const pending404 = ctx.status404.get(kernel.id) ?? 0;
  if (pending404 > 0) {
    if (pending404 === 1) ctx.status404.delete(kernel.id);
    else ctx.status404.set(kernel.id, pending404 - 1);
    throw new HttpError(404, 'Not found');
  }
  const version = pickVersion(kernel, undefined);
  return Promise.resolve({
    status: version.status,
    ...(version.failureMessage ? { failureMessage: version.failureMessage } : {}),
  });
};

const getKernel: RpcHandler = async (ctx, call) => {
  const user = requireUser(call.user);
  const body = parseBody(kernelRefSchema, call.body);
  const found = findReadableKernel(ctx.store, user, lookup(body));
  const version = pickVersion(found.kernel, found.version);
  const source = await ctx.store.readSource(found.kernel, version.number);
  return {
    metadata: kernelMetadata(found.kernel),
    blob: {
      source,
      language: found.kernel.language,
      kernelType: found.kernel.kernelType,
      slug: found.kernel.slug,
    },
  };
};

const listSchema = z.object({
  group: z.string().nullish(),
  user: z.string().nullish(),
  search: z.string().nullish(),
  language: z.string().nullish(),
  kernelType: z.string().nullish(),
  sortBy: z.string().nullish(),
  page: z.number().int().nullish(),
  pageSize: z.number().int().nullish(),
  pageToken: z.string().nullish(),
});

function lastRun(kernel: KernelRecord): string {
  const latest = kernel.versions.at(-1);
  return latest?.startedAt ?? latest?.createdAt ?? kernel.createdAt;
}

/** ListKernels with the filters the CLI sends: group, user, search, language, kernelType. */
const listKernels: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(listSchema, call.body);
  const group = (req.group ?? 'EVERYONE').toUpperCase();
  const search = (req.search ?? '').toLowerCase();
  const language = (req.language ?? 'all').toLowerCase();
  const kernelType = (req.kernelType ?? 'all').toLowerCase();
  let kernels = ctx.store.all().filter((k) => {
    // Private kernels are listed to their owner only; PROFILE is the caller's own kernels.
    if (k.isPrivate && k.owner !== user) return false;
    if (group === 'PROFILE' && k.owner !== user) return false;
    if (req.user && k.owner !== req.user) return false;
    if (search && !`${k.title} ${k.slug}`.toLowerCase().includes(search)) return false;
    if (language !== 'all' && k.language !== language) return false;
    if (kernelType !== 'all' && k.kernelType !== kernelType) return false;
    return true;
  });
  const sortBy = (req.sortBy ?? 'HOTNESS').toUpperCase();
  kernels =
    sortBy === 'DATE_CREATED'
      ? kernels.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      : sortBy === 'DATE_RUN'
        ? kernels.sort((a, b) => lastRun(b).localeCompare(lastRun(a)))
        : kernels.sort((a, b) => b.id - a.id);
  const size = Math.min(Math.max(req.pageSize ?? 20, 1), 100);
  // Our page tokens are page numbers; an explicit token wins over `page`.
  const fromToken = /^\d+$/.test(req.pageToken ?? '') ? Number(req.pageToken) : undefined;
  const page = Math.max(fromToken ?? req.page ?? 1, 1);
  const slice = kernels.slice((page - 1) * size, page * size);
  const more = page * size < kernels.length;
  return Promise.resolve({
    kernels: slice.map(kernelMetadata),
    nextPageToken: more ? String(page + 1) : '',
  });
};

const deleteKernel: RpcHandler = async (ctx, call) => {
  const user = requireUser(call.user);
  const body = parseBody(kernelRefSchema, call.body);
  const { kernel } = findReadableKernel(ctx.store, user, lookup(body));
  if (kernel.owner !== user) {
    throw new HttpError(
      403,
      `Permission 'kernels.delete' was denied for ${kernel.owner}/${kernel.slug}.`,
    );
  }
  await ctx.runner.stopKernel(kernel, 'The kernel was deleted while this session was running.');
  ctx.status404.delete(kernel.id);
  await ctx.store.remove(kernel);
  return {};
};

const getAcceleratorQuotaStatistics: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  return Promise.resolve(quotaStatistics(ctx.store, user, ctx.nowMs(), ctx.limits));
};

/** `package.Service` -> method -> handler. */
export const rpcTable: Record<string, Record<string, RpcHandler>> = {
  'kernels.KernelsApiService': {
    SaveKernel: saveKernel,
    GetKernelSessionStatus: getKernelSessionStatus,
    ListKernelSessionOutput: listKernelSessionOutput,
    ListKernelFiles: listKernelFiles,
    GetKernel: getKernel,
    ListKernels: listKernels,
    DeleteKernel: deleteKernel,
    GetAcceleratorQuotaStatistics: getAcceleratorQuotaStatistics,
  },
  'security.OAuthService': {
    IntrospectToken: introspectToken,
  },
};

/** Methods callable without credentials. */
export const anonymousMethods = new Set(['security.OAuthService/IntrospectToken']);
