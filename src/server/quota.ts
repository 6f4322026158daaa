// Weekly accelerator quota, counted from the real run time of each user's GPU and TPU
// sessions. The week refreshes on Saturday 00:00 UTC (Kaggle's quota "floats" weekly; the
// exact refresh moment is theirs to pick, this one is predictable).

import type { KernelStore, QuotaKind } from './kernel-store.js';
import { formatProtoDuration } from '../kaggle/enums.js';

const WEEK_MS = 7 * 24 * 3600 * 1000;

/** The next Saturday 00:00 UTC strictly after `nowMs`. */
export function nextQuotaRefresh(nowMs: number): number {
  const now = new Date(nowMs);
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const daysToSaturday = (6 - now.getUTCDay() + 7) % 7 || 7;
  // On a Saturday the next refresh is a week away: today's midnight has passed.
  return midnight + daysToSaturday * 24 * 3600 * 1000;
}

export interface QuotaUsage {
  usedSeconds: number;
  hasEverRun: boolean;
}

/** Seconds of `kind` sessions `owner` ran in the current quota week (running ones count so far). */
export function quotaUsage(
  store: KernelStore,
  owner: string,
  kind: QuotaKind,
  nowMs: number,
): QuotaUsage {
  const windowEnd = nextQuotaRefresh(nowMs);
  const windowStart = windowEnd - WEEK_MS;
  let usedMs = 0;
  let hasEverRun = false;
  for (const kernel of store.all()) {
    if (kernel.owner !== owner) continue;
    for (const version of kernel.versions) {
      if (version.quotaKind !== kind || version.startedAt === undefined) continue;
      hasEverRun = true;
      const start = Math.max(Date.parse(version.startedAt), windowStart);
      const end = Math.min(
        version.endedAt === undefined ? nowMs : Date.parse(version.endedAt),
        nowMs,
      );
      if (end > start) usedMs += end - start;
    }
  }
  return { usedSeconds: usedMs / 1000, hasEverRun };
}

export function quotaStatistics(
  store: KernelStore,
  owner: string,
  nowMs: number,
  limits: { gpuQuotaSeconds: number; tpuQuotaSeconds: number },
): Record<string, unknown> {
  const describe = (kind: QuotaKind, totalSeconds: number) => {
    const usage = quotaUsage(store, owner, kind, nowMs);
    return {
      timeUsed: formatProtoDuration(usage.usedSeconds),
      timeReserved: '0s',
      totalTimeAllowed: formatProtoDuration(totalSeconds),
      minimumTimeAllowed: formatProtoDuration(totalSeconds),
      isPayToScaleEnabled: false,
      hasEverRun: usage.hasEverRun,
    };
  };
  return {
    quotaRefreshTime: new Date(nextQuotaRefresh(nowMs)).toISOString(),
    gpuQuota: describe('gpu', limits.gpuQuotaSeconds),
    tpuQuota: describe('tpu', limits.tpuQuotaSeconds),
  };
}
