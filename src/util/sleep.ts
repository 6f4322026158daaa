// The one way to wait a while: a signal that is aborted, before or during the wait, ends it
// at once. The wait itself never throws; a caller that must stop on abort checks the signal
// after (`sleepOrAbort` does).

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * `sleep`, then an AbortError (its cause the signal's reason, as node's timers/promises
 * throws) when the signal was aborted: for retry loops, which stop there.
 */
export async function sleepOrAbort(ms: number, signal?: AbortSignal): Promise<void> {
  await sleep(ms, signal);
  if (signal?.aborted) {
    throw Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
      name: 'AbortError',
      code: 'ABORT_ERR',
    });
  }
}
