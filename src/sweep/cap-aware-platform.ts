// A platform that tells the sweep scheduler when a push was refused for the session cap,
// so the scheduler learns the account's real cap (the refusal names it) and starts no more
// points than fit. The refused push itself is retried by runJob's pushWhenFree, as always.

import { SessionCapError } from '../kaggle/errors.js';
import type { Platform, PushRequest, RunHandle } from '../platform/platform.js';

export function capAwarePlatform(
  inner: Platform,
  onCap: (error: SessionCapError) => void,
): Platform {
  const wrapped: Platform = {
    name: inner.name,
    async push(request: PushRequest, signal?: AbortSignal): Promise<RunHandle> {
      try {
        return await inner.push(request, signal);
      } catch (error) {
        if (error instanceof SessionCapError) onCap(error);
        throw error;
      }
    },
    watch: (handle, signal) => inner.watch(handle, signal),
    status: (handle, signal) => inner.status(handle, signal),
    listOutputs: (handle, signal) => inner.listOutputs(handle, signal),
    download: (handle, file, dest, signal) => inner.download(handle, file, dest, signal),
  };
  // Optional methods stay absent when the inner platform lacks them.
  if (inner.prepare !== undefined) wrapped.prepare = inner.prepare.bind(inner);
  if (inner.latestVersion !== undefined) wrapped.latestVersion = inner.latestVersion.bind(inner);
  if (inner.cancel !== undefined) wrapped.cancel = inner.cancel.bind(inner);
  if (inner.release !== undefined) wrapped.release = inner.release.bind(inner);
  if (inner.datasetAccess !== undefined) wrapped.datasetAccess = inner.datasetAccess.bind(inner);
  return wrapped;
}
