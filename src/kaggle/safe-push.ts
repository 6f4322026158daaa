// SaveKernel is not idempotent: every call makes a new version and may start a GPU session.
// So it is never retried blindly. Before pushing we note the kernel's current version; when a
// push ends with an unknown outcome (connection dropped, timeout, 5xx) we ask GetKernel
// whether the version advanced: if it did, the push landed and we return that version; if not,
// we push again (bounded). A 429 was surely refused, so it is retried after its Retry-After.
// A 4xx or a rejection inside a 200 body is final.

import { kernelWebUrl } from './endpoint.js';
import { KaggleApiError, KaggleConnectionError, KaggleTimeoutError } from './errors.js';
import type { InvalidSources } from './errors.js';
import type { KernelsApi, SaveKernelRequest } from './kernels.js';
import type { KernelRef } from './kernel-ref.js';
import { DEFAULT_MAX_ATTEMPTS, backoffDelayMs } from './retry.js';

export interface PushResult {
  ref: string;
  url: string;
  versionNumber: number | null;
  /** True when the answer was lost and GetKernel showed that the push had landed. */
  recovered: boolean;
  /** SaveKernel calls made. */
  attempts: number;
  /** What the answer said Kaggle could not attach; empty when the answer was lost. */
  invalid: InvalidSources;
}

const NOTHING_INVALID: InvalidSources = {
  tags: [],
  datasets: [],
  competitions: [],
  kernels: [],
  models: [],
};

export interface SafePushOptions {
  signal?: AbortSignal | undefined;
  /**
   * SaveKernel calls at most (default: as many as a read gets, since a re-push is only made
   * once GetKernel has shown that the previous one did not land). Re-pushes report to the
   * client's onRetry.
   */
  maxAttempts?: number | undefined;
}

/** The kernel's current version number; null when it does not exist yet. */
export async function currentVersion(
  kernels: KernelsApi,
  ref: KernelRef,
  signal?: AbortSignal,
): Promise<number | null> {
  try {
    const { metadata } = await kernels.getKernel(ref.owner, ref.slug, signal);
    return metadata.currentVersionNumber ?? (metadata.id ? 0 : null);
  } catch (error) {
    if (error instanceof KaggleApiError && error.effectiveStatus === 404) return null;
    throw error;
  }
}

/** Did the request possibly reach the server and take effect? */
function outcomeUnknown(error: unknown): boolean {
  if (error instanceof KaggleConnectionError) return !error.notDelivered;
  if (error instanceof KaggleTimeoutError) return true;
  return error instanceof KaggleApiError && error.kind === 'server';
}

function surelyRefusedButRetryable(error: unknown): boolean {
  if (error instanceof KaggleConnectionError) return error.notDelivered;
  return error instanceof KaggleApiError && error.kind === 'rate-limited' && error.isRetryable();
}

export async function pushKernel(
  kernels: KernelsApi,
  ref: KernelRef,
  request: SaveKernelRequest,
  options: SafePushOptions = {},
): Promise<PushResult> {
  const { signal } = options;
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const before = await currentVersion(kernels, ref, signal);
  const http = kernels.http;
  for (let attempt = 1; ; attempt++) {
    try {
      const saved = await kernels.saveKernel(
        { ...request, slug: `${ref.owner}/${ref.slug}` },
        signal,
      );
      return {
        ref: saved.ref || `${ref.owner}/${ref.slug}`,
        url: saved.url || kernelWebUrl(ref.owner, ref.slug),
        versionNumber: saved.versionNumber,
        recovered: false,
        attempts: attempt,
        invalid: saved.invalid,
      };
    } catch (error) {
      signal?.throwIfAborted();
      const unknown = outcomeUnknown(error);
      if (!unknown && !surelyRefusedButRetryable(error)) throw error;
      if (attempt >= maxAttempts) throw error;
      const retryAfter = error instanceof KaggleApiError ? error.retryAfterMs : undefined;
      const delayMs = retryAfter ?? backoffDelayMs(attempt - 1, http.random);
      if (!http.noteRetry({ operation: 'SaveKernel', attempt, delayMs, error })) throw error;
      await http.sleep(delayMs, signal);
      if (unknown) {
        const after = await currentVersion(kernels, ref, signal);
        if (after !== null && (before === null || after > before)) {
          return {
            ref: `${ref.owner}/${ref.slug}`,
            url: kernelWebUrl(ref.owner, ref.slug),
            versionNumber: after,
            recovered: true,
            attempts: attempt,
            invalid: NOTHING_INVALID,
          };
        }
      }
    }
  }
}
