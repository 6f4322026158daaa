// Riding out an API outage while a run is followed: the run goes on remotely, so calls that
// find the API unreachable (no answer, 5xx) are tried again with backoff, 1 s doubling to
// 15 s, until the outage limit; past it PlatformUnreachableError says how to resume. The
// http layer's own retries come first; this is the long tail behind them.

import { readSecondsEnv } from '../env.js';
import { PlatformUnreachableError, isOutageError } from './errors.js';
import type { SleepFn } from './retry.js';

export const DEFAULT_OUTAGE_LIMIT_MS = 10 * 60_000;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 15_000;

/** The outage limit from KAGGLE_RUN_OUTAGE_LIMIT (seconds), else the default. */
export function outageLimitFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = readSecondsEnv(
    'KAGGLE_RUN_OUTAGE_LIMIT',
    DEFAULT_OUTAGE_LIMIT_MS / 1000,
    { allowZero: true, example: '600 (ten minutes)' },
    env,
  );
  return seconds * 1000;
}

export interface OutageOptions {
  limitMs: number;
  sleep: SleepFn;
  now: () => number;
  signal?: AbortSignal | undefined;
  /** What was being done, for the error message (`watching alice/k`). */
  what: string;
  /** Called once when an outage starts, with a line for the user. */
  onOutage?: ((message: string) => void) | undefined;
}

/** Tracks one outage across calls: the status loop calls it on every failure or success. */
export class OutageTracker {
  private since: number | undefined;
  private delayMs = FIRST_DELAY_MS;

  constructor(private readonly options: OutageOptions) {}

  /** The API answered: the outage, if any, is over. */
  recovered(): void {
    this.since = undefined;
    this.delayMs = FIRST_DELAY_MS;
  }

  /** Rethrows errors that are not an outage; throws past the limit; else waits the backoff. */
  async failed(error: unknown): Promise<void> {
    if (!isOutageError(error)) throw error;
    const { now, limitMs } = this.options;
    if (this.since === undefined) {
      this.since = now();
      this.options.onOutage?.(
        `API unreachable, retrying (for up to ${Math.round(limitMs / 1000)} s)`,
      );
    }
    const outageMs = now() - this.since;
    if (outageMs >= limitMs) throw new PlatformUnreachableError(this.options.what, outageMs, error);
    const wait = Math.min(this.delayMs, limitMs - outageMs);
    this.delayMs = Math.min(this.delayMs * 2, MAX_DELAY_MS);
    await this.options.sleep(wait, this.options.signal);
    this.options.signal?.throwIfAborted();
  }
}

/** Runs `call` until it answers, riding out an outage up to the limit. */
export async function rideOutage<T>(call: () => Promise<T>, options: OutageOptions): Promise<T> {
  const tracker = new OutageTracker(options);
  for (;;) {
    try {
      return await call();
    } catch (error) {
      options.signal?.throwIfAborted();
      await tracker.failed(error);
    }
  }
}
