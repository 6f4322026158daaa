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
import type { RunLifecycle } from './lifecycle.js';

interface FailureContext {
  life: RunLifecycle;
  platform: Platform;
  handle: RunHandle | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Records why a run stopped and returns the error to throw. A run pushed to a platform where
 * it outlives this process goes on whatever happened here, so its record stays attachable:
 * no end time, no final status. A local run ends with this process.
 */
export async function recordFailure(error: unknown, ctx: FailureContext): Promise<KaggleRunError> {
  return withRunId(await failureFor(error, ctx), ctx.life.runId);
}

async function failureFor(error: unknown, ctx: FailureContext): Promise<KaggleRunError> {
  const { life, platform, handle } = ctx;
  const record = life.record;
  const interrupted = error instanceof InterruptedError || ctx.signal?.aborted === true;
  const timedOut = !interrupted && error instanceof RunTimeoutError;
  if ((interrupted || timedOut) && handle !== undefined) await platform.cancel?.(handle);
  const lost = error instanceof RunLostError;
  const goesOn = handle !== undefined && platform.capabilities.outlivesProcess && !lost;
  await life.failed(
    {
      kind: interrupted
        ? 'interrupted'
        : timedOut
          ? 'timeout'
          : error instanceof UsageError
            ? 'usage'
            : 'platform',
      // A run stopped before its push says so: nothing of it ran on the platform.
      message:
        record.step === 'created' || record.step === 'packed' || record.step === 'installing'
          ? `${errorMessage(error)} (before the push: the run never reached the platform)`
          : errorMessage(error),
    },
    {
      // Nothing goes on anywhere: the record ends here, with a status that says how.
      ends: !goesOn,
      status: interrupted ? 'cancelled' : timedOut ? 'timeout' : 'error',
      // Nothing is left to attach to: `attach` shows the finished record instead of retrying.
      lost,
    },
  );
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
