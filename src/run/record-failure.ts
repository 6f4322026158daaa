import {
  InterruptedError,
  KaggleRunError,
  PlatformError,
  RunLostError,
  RunTimeoutError,
  UsageError,
  errorMessage,
  withRunId,
} from '../errors.js';
import type { Platform, RunHandle } from '../platform/platform.js';
import type { RunStore } from '../store/run-store.js';
import type { RunRecord } from './record.js';

/**
 * Records why a run stopped and returns the error to throw. A Kaggle run that was pushed
 * goes on remotely whatever happened here, so its record stays attachable: no end time, no
 * final status. A local run ends with this process.
 */
export async function recordFailure(
  error: unknown,
  ctx: {
    record: RunRecord;
    store: RunStore;
    platform: Platform;
    handle: RunHandle | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<KaggleRunError> {
  return withRunId(await failureFor(error, ctx), ctx.record.runId);
}

async function failureFor(
  error: unknown,
  ctx: {
    record: RunRecord;
    store: RunStore;
    platform: Platform;
    handle: RunHandle | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<KaggleRunError> {
  const { record, store, platform, handle } = ctx;
  const interrupted = error instanceof InterruptedError || ctx.signal?.aborted === true;
  const timedOut = !interrupted && error instanceof RunTimeoutError;
  if ((interrupted || timedOut) && handle !== undefined) await platform.cancel?.(handle);
  record.error = {
    kind: interrupted
      ? 'interrupted'
      : timedOut
        ? 'timeout'
        : error instanceof UsageError
          ? 'usage'
          : 'platform',
    message: errorMessage(error),
  };
  const lost = error instanceof RunLostError;
  const goesOn = handle !== undefined && platform.capabilities.outlivesProcess && !lost;
  if (!goesOn) {
    // Nothing goes on anywhere: the record ends here, with a status that says how.
    record.status = interrupted ? 'cancelled' : timedOut ? 'timeout' : 'error';
    record.endedAt = new Date().toISOString();
  }
  // Nothing is left to attach to: `attach` shows the finished record instead of retrying.
  if (lost) record.step = 'done';
  await store.save(record);
  if (handle !== undefined && !goesOn) await platform.release?.(handle);
  if (interrupted) {
    const message = goesOn
      ? `interrupted; the run goes on on Kaggle. Reattach with: kaggle-run attach ${record.runId}`
      : 'interrupted; the local run was stopped';
    return new InterruptedError(message, { cause: error });
  }
  if (error instanceof KaggleRunError) {
    if (goesOn && error instanceof PlatformError) {
      return new PlatformError(`${error.message}`, {
        cause: error,
        hint:
          error.hint ??
          `the run goes on on Kaggle; reattach with \`kaggle-run attach ${record.runId}\``,
      });
    }
    return error;
  }
  return new PlatformError(errorMessage(error), { cause: error });
}
