// DownloadKernelOutput (kagglehub's notebook_output_download: one output file, or the whole
// output as a zip) and DownloadKernelOutputZip (the whole output of a session), by a 302 to a
// signed URL. Only a finished version has an output to download, as on Kaggle. The server's
// session ids are kernel ids (SaveKernel's `kernelId`): a session id names the kernel's
// latest version, the only one whose session Kaggle keeps.

import { lstat } from 'node:fs/promises';
import * as z from 'zod';
import { resolveInside } from '../util/safe-path.js';
import type { RpcHandler, ServiceContext } from './context.js';
import { redirectTo } from './download-redirect.js';
import { HttpError, parseBody } from './http-util.js';
import { findReadableKernel, pickVersion, requireUser } from './kernel-access.js';
import { isTerminalStatus, type KernelRecord } from './kernel-store.js';

const intField = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

const outputSchema = z.object({
  ownerSlug: z.string().nullish(),
  kernelSlug: z.string().nullish(),
  filePath: z.string().nullish(),
  versionNumber: intField.nullish(),
});

function finishedVersion(kernel: KernelRecord, number: number | undefined) {
  const version = pickVersion(kernel, number);
  if (!isTerminalStatus(version.status)) {
    throw new HttpError(
      404,
      `Version ${version.number} of ${kernel.owner}/${kernel.slug} is ${version.status}: its output exists once it has finished.`,
    );
  }
  return version;
}

async function outputRedirect(
  ctx: ServiceContext,
  origin: string,
  kernel: KernelRecord,
  versionNumber: number | undefined,
  filePath: string,
) {
  const version = finishedVersion(kernel, versionNumber);
  const scope = {
    kind: 'kernel' as const,
    owner: kernel.owner,
    slug: kernel.slug,
    version: version.number,
  };
  if (filePath === '') {
    return redirectTo(ctx, origin, { scope, path: `${kernel.slug}.zip`, archive: true });
  }
  let absolute: string;
  try {
    absolute = resolveInside(ctx.store.workingDir(kernel, version.number), filePath);
  } catch {
    throw new HttpError(400, `Invalid filePath "${filePath}": a path inside the output.`);
  }
  if ((await lstat(absolute).catch(() => undefined))?.isFile() !== true) {
    throw new HttpError(
      404,
      `Version ${version.number} of ${kernel.owner}/${kernel.slug} has no output file "${filePath}".`,
    );
  }
  return redirectTo(ctx, origin, { scope, path: filePath });
}

const downloadKernelOutput: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(outputSchema, call.body);
  const { kernel, version } = findReadableKernel(ctx.store, user, {
    userName: req.ownerSlug ?? undefined,
    kernelSlug: req.kernelSlug ?? undefined,
  });
  const filePath = (req.filePath ?? '').replace(/^\/+/, '');
  return outputRedirect(ctx, call.origin, kernel, req.versionNumber ?? version, filePath);
};

const zipSchema = z.object({ kernelSessionId: intField.nullish() });

const downloadKernelOutputZip: RpcHandler = (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(zipSchema, call.body);
  const kernel = ctx.store.getById(req.kernelSessionId ?? 0);
  if (kernel === undefined || (kernel.isPrivate && kernel.owner !== user)) {
    throw new HttpError(404, `Kernel session ${req.kernelSessionId ?? 0} not found.`);
  }
  return outputRedirect(ctx, call.origin, kernel, undefined, '');
};

export const kernelDownloadRpcTable: Record<string, Record<string, RpcHandler>> = {
  'kernels.KernelsApiService': {
    DownloadKernelOutput: downloadKernelOutput,
    DownloadKernelOutputZip: downloadKernelOutputZip,
  },
};
