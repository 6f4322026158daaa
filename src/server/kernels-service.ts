// kernels.KernelsApiService methods other than push, listing and output, and the RPC table.

import * as z from 'zod';
import type { RpcHandler } from './context.js';
import { HttpError, parseBody } from './http-util.js';
import { findReadableKernel, kernelMetadata, pickVersion, requireUser } from './kernel-access.js';
import { kernelDownloadRpcTable } from './kernel-download.js';
import { listKernels } from './kernel-list.js';
import { listKernelFiles, listKernelSessionOutput } from './kernel-output.js';
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
    ...kernelDownloadRpcTable['kernels.KernelsApiService'],
  },
  'security.OAuthService': {
    IntrospectToken: introspectToken,
  },
};

/** Methods callable without credentials. */
export const anonymousMethods = new Set(['security.OAuthService/IntrospectToken']);
