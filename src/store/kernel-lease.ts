// Which kernel a remote run pushes to. Kaggle's status, live log and output listing describe
// only a kernel's latest version, so two unfinished runs must never share a kernel: the
// first would follow the second's log, see its end and find its outputs. A run leases its
// kernel in the run store (`kernels/<slug>@<endpoint>.json` naming the run) before the push;
// the lease holds while that run's record is unfinished (a detached or killed run still has
// outputs to fetch from the kernel's latest version), or, before its push, while its process
// lives. A run that finds the kernel leased, or running for a client outside this store
// (another folder or machine), takes the next slot: `<slug>-2`, `<slug>-3`, ...

import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PlatformError } from '../errors.js';
import type { RunRecord } from '../run/record.js';
import { sha256Hex } from '../util/hash.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { limitedSlug } from '../util/slug.js';
import { lockAlive } from './run-lock.js';
import type { RunStore } from './run-store.js';
import { withStoreMutex } from './store-mutex.js';

/** Kernels one job may spread over at once; more unfinished runs than this is a mistake. */
export const MAX_KERNEL_SLOTS = 20;

/** `slug` for slot 1, `slug-N` (cut to Kaggle's 50 characters) for slot N. */
export function slotSlug(base: string, slot: number): string {
  return slot === 1 ? base : limitedSlug(base, String(slot));
}

/** Whether `slug` is one of the slots of `base`. */
export function isSlotOf(slug: string, base: string): boolean {
  for (let slot = 1; slot <= MAX_KERNEL_SLOTS; slot++)
    if (slotSlug(base, slot) === slug) return true;
  return false;
}

export interface KernelLease {
  slug: string;
  /** Slots passed over, and who holds each: a run id, or null for a client outside this store. */
  skipped: { slug: string; runId: string | null }[];
  release(): Promise<void>;
}

interface LeaseFile {
  runId: string;
}

function finished(record: RunRecord): boolean {
  return record.step === 'done' || record.endedAt !== null;
}

/** Does run `runId` still hold the kernel it leased? */
async function holds(store: RunStore, runId: string): Promise<boolean> {
  const record = await store.load(runId).catch(() => undefined);
  if (record === undefined || finished(record)) return false;
  // Pushed (or being pushed): the kernel's latest version may be this run's until it is done.
  if (record.kernel !== null) return true;
  return lockAlive(store.runDir(runId));
}

export async function leaseKernel(
  store: RunStore,
  base: string,
  record: RunRecord,
  /** Whether the kernel is queued or running on the platform now (for anyone). */
  busyRemotely: (slug: string) => Promise<boolean>,
): Promise<KernelLease> {
  const dir = join(store.root, 'kernels');
  const endpoint = sha256Hex(record.endpoint ?? 'kaggle').slice(0, 8);
  const fileOf = (slug: string) => join(dir, `${slug}@${endpoint}.json`);
  const mutex = join(dir, '.mutex');
  const release = (slug: string) =>
    withStoreMutex(mutex, async () => {
      const lease = await readLease(fileOf(slug));
      if (lease?.runId === record.runId) await rm(fileOf(slug), { force: true });
    });

  const skipped: KernelLease['skipped'] = [];
  for (let slot = 1; slot <= MAX_KERNEL_SLOTS; slot++) {
    const slug = slotSlug(base, slot);
    const holder = await withStoreMutex(mutex, async () => {
      const lease = await readLease(fileOf(slug));
      if (lease !== undefined && lease.runId !== record.runId && (await holds(store, lease.runId)))
        return lease.runId;
      await writeJsonAtomic(fileOf(slug), { runId: record.runId } satisfies LeaseFile);
      return undefined;
    });
    if (holder !== undefined) {
      skipped.push({ slug, runId: holder });
      continue;
    }
    if (await busyRemotely(slug)) {
      await release(slug);
      skipped.push({ slug, runId: null });
      continue;
    }
    return { slug, skipped, release: () => release(slug) };
  }
  throw new PlatformError(
    `${MAX_KERNEL_SLOTS} runs of this job are unfinished (kernels ${base} to ${slotSlug(base, MAX_KERNEL_SLOTS)} all busy)`,
    {
      hint: 'finish them with `kaggle-run attach RUN` (see `kaggle-run runs`), or wait for them to end',
    },
  );
}

async function readLease(path: string): Promise<LeaseFile | undefined> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as Partial<LeaseFile>;
    return typeof value.runId === 'string' ? { runId: value.runId } : undefined;
  } catch {
    return undefined;
  }
}
