// The one retry policy, for idempotent calls only (reads; never SaveKernel, DeleteKernel or
// creates). Backoff 0.5 s doubling to 8 s minus up to 25 % jitter; a Retry-After within 60 s
// is honoured exactly, above it the error is not retryable (errors.ts) so we fail fast.
// sleep and random are injected so tests take no real time.

import { sleepOrAbort } from '../util/sleep.js';
import { isRetryableError, MAX_RETRY_AFTER_MS } from './errors.js';

export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Throws the signal's reason when aborted, so a retry loop stops there (util/sleep.ts). */
export const defaultSleep: SleepFn = sleepOrAbort;

export const DEFAULT_MAX_ATTEMPTS = 5;

export interface RetryInfo {
  operation: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

/** Shared across calls so a caller can bound the total number of retries of a whole job. */
export interface RetryBudget {
  remaining: number;
}

export interface RetryOptions {
  maxAttempts?: number | undefined;
  sleep?: SleepFn | undefined;
  random?: (() => number) | undefined;
  signal?: AbortSignal | undefined;
  onRetry?: ((info: RetryInfo) => void) | undefined;
  budget?: RetryBudget | undefined;
}

/** Delay before retry number `retryIndex` (0 for the first retry). */
export function backoffDelayMs(retryIndex: number, random: () => number = Math.random): number {
  const base = Math.min(500 * 2 ** retryIndex, 8000);
  return Math.round(base * (1 - random() * 0.25));
}

/** Retry-After as seconds or an HTTP-date, in ms from now; undefined when absent or garbage. */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

export { MAX_RETRY_AFTER_MS };

function retryAfterOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'retryAfterMs' in error) {
    const ms: unknown = error.retryAfterMs;
    return typeof ms === 'number' ? ms : undefined;
  }
  return undefined;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, the attempts or the
 * budget run out, or `signal` aborts.
 */
export async function withRetry<T>(
  operation: string,
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const sleep = options.sleep ?? defaultSleep;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      options.signal?.throwIfAborted();
      const budget = options.budget;
      if (n >= maxAttempts || !isRetryableError(error) || (budget && budget.remaining <= 0)) {
        throw error;
      }
      if (budget) budget.remaining -= 1;
      const delayMs = retryAfterOf(error) ?? backoffDelayMs(n - 1, options.random);
      options.onRetry?.({ operation, attempt: n, delayMs, error });
      await sleep(delayMs, options.signal);
      options.signal?.throwIfAborted();
    }
  }
}
