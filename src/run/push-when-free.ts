// A platform refuses a push while the account's sessions are all busy (Kaggle: "Maximum
// batch GPU session count of 2 reached.", mapped onto CapacityError). That is a wait, not a
// failure: say so, and push again when a session may have freed, until the queue timeout.

import { CapacityError, PlatformError } from '../errors.js';
import type { Platform, PushRequest, RunHandle } from '../platform/platform.js';
import type { RunEvent } from './events.js';
import { sleep } from '../util/sleep.js';

export interface WaitOptions {
  signal?: AbortSignal | undefined;
  /** Give up waiting for a free session after this long. */
  queueTimeoutMs: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** Told of every refusal (a sweep learns the real session cap from it). */
  onCapacity?: ((error: CapacityError) => void) | undefined;
}

const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 30_000;

/** Ends early, without throwing, when the signal is aborted (util/sleep.ts). */
export const abortableSleep = sleep;

export async function* pushWhenFree(
  platform: Platform,
  request: PushRequest,
  options: WaitOptions,
): AsyncGenerator<RunEvent, RunHandle> {
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const start = now();
  let delay = FIRST_RETRY_MS;
  for (;;) {
    try {
      return await platform.push(request, options.signal);
    } catch (error) {
      if (!(error instanceof CapacityError)) throw error;
      options.onCapacity?.(error);
      const waited = now() - start;
      if (waited + delay > options.queueTimeoutMs) {
        throw new PlatformError(
          `no free session after waiting ${Math.round(waited / 1000)}s: ${error.message}`,
          {
            hint: 'raise --queue-timeout, or wait for your running sessions (`kaggle-run runs`) to end',
          },
        );
      }
      yield {
        type: 'status',
        status: 'queued',
        message: `${error.message.trim()} Waiting for a free session; pushing again in ${Math.round(delay / 1000)}s`,
      };
      await sleep(delay, options.signal);
      if (options.signal?.aborted)
        throw new PlatformError('interrupted while waiting for a free session');
      delay = Math.min(Math.round(delay * 1.5), MAX_RETRY_MS);
    }
  }
}
