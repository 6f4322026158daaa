// Finding a kernel for a caller (404 when missing, 403 when private to someone else), picking
// a version, and the ApiKernelMetadata shape the SDK reads.

import { HttpError } from './http-util.js';
import type { KernelRecord, KernelStore, VersionRecord } from './kernel-store.js';

/** The authenticated user, or 401 (handlers that need one call this first). */
export function requireUser(user: string | undefined): string {
  if (user === undefined) throw new HttpError(401, 'Unauthenticated');
  return user;
}

/**
 * Splits the `kernelSlug` field. The official CLI sends `slug/N` for `owner/slug/N` (pull of a
 * version), and some callers send the whole `owner/slug`.
 */
export function parseKernelSlug(
  userName: string | undefined,
  kernelSlug: string,
): { owner: string | undefined; slug: string; version: number | undefined } {
  const parts = kernelSlug.split('/').filter((p) => p !== '');
  const last = parts.at(-1);
  let version: number | undefined;
  if (parts.length >= 2 && last !== undefined && /^\d+$/.test(last)) {
    version = Number(last);
    parts.pop();
  }
  if (parts.length === 2) return { owner: parts[0], slug: parts[1] ?? '', version };
  if (parts.length === 1) return { owner: userName, slug: parts[0] ?? '', version };
  throw new HttpError(400, `Invalid kernelSlug "${kernelSlug}": use "slug" with userName.`);
}

export interface KernelLookup {
  userName?: string | undefined;
  kernelSlug?: string | undefined;
  versionLabel?: string | undefined;
}

/** The kernel named by userName + kernelSlug, readable by `user` (public or their own). */
export function findReadableKernel(
  store: KernelStore,
  user: string,
  lookup: KernelLookup,
): { kernel: KernelRecord; version: number | undefined } {
  if (lookup.kernelSlug === undefined || lookup.kernelSlug === '') {
    throw new HttpError(400, 'Invalid request: kernelSlug is required.');
  }
  const parsed = parseKernelSlug(lookup.userName || undefined, lookup.kernelSlug);
  const owner = parsed.owner ?? user;
  const kernel = store.get(owner, parsed.slug);
  if (kernel === undefined) throw new HttpError(404, `Kernel ${owner}/${parsed.slug} not found.`);
  if (kernel.isPrivate && kernel.owner !== user) {
    throw new HttpError(403, `Permission 'kernels.get' was denied for ${owner}/${parsed.slug}.`);
  }
  let version = parsed.version;
  if (version === undefined && lookup.versionLabel !== undefined && lookup.versionLabel !== '') {
    if (!/^\d+$/.test(lookup.versionLabel)) {
      throw new HttpError(
        400,
        `Invalid versionLabel "${lookup.versionLabel}": use a version number.`,
      );
    }
    version = Number(lookup.versionLabel);
  }
  return { kernel, version };
}

/** Version `n`, or the latest when n is undefined; 404 when there is no such version. */
export function pickVersion(kernel: KernelRecord, n: number | undefined): VersionRecord {
  const version =
    n === undefined ? kernel.versions.at(-1) : kernel.versions.find((v) => v.number === n);
  if (version === undefined) {
    throw new HttpError(
      404,
      n === undefined
        ? `Kernel ${kernel.owner}/${kernel.slug} has no version.`
        : `Kernel ${kernel.owner}/${kernel.slug} has no version ${n}.`,
    );
  }
  return version;
}

/** ApiKernelMetadata as GetKernel and ListKernels return it. */
export function kernelMetadata(kernel: KernelRecord): Record<string, unknown> {
  const latest = kernel.versions.at(-1);
  const lastRun = latest?.startedAt ?? latest?.createdAt ?? kernel.createdAt;
  return {
    id: kernel.id,
    ref: `${kernel.owner}/${kernel.slug}`,
    title: kernel.title,
    author: kernel.owner,
    slug: kernel.slug,
    lastRunTime: lastRun,
    language: kernel.language,
    kernelType: kernel.kernelType,
    isPrivate: kernel.isPrivate,
    enableGpu: kernel.enableGpu,
    enableInternet: kernel.enableInternet,
    categoryIds: kernel.categoryIds,
    datasetDataSources: kernel.datasetDataSources,
    kernelDataSources: kernel.kernelDataSources,
    competitionDataSources: kernel.competitionDataSources,
    totalVotes: 0,
    modelDataSources: kernel.modelDataSources,
    enableTpu: kernel.enableTpu,
    currentVersionNumber: latest?.number,
    ...(kernel.dockerImage === null ? {} : { dockerImage: kernel.dockerImage }),
    ...(latest?.machineShape ? { machineShape: latest.machineShape } : {}),
  };
}
