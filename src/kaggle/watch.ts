// Watches one kernel until it reaches a terminal status: the live log stream and status
// polling run side by side, their events merged into one stream. END_OF_LOG wakes the poller
// at once (completion is noticed in under a second); polling follows poll-cadence.ts. A 404
// from the status call right after a push is "unknown", not a failure, for a bounded grace
// period; no answer or a 5xx is an outage, waited out up to a limit (outage.ts). The terminal status is always the last event, after the rest of the log.

import type { RemoteStatus, WatchEvent } from '../platform/platform.js';
import { isTerminal } from '../platform/platform.js';
import { kernelStatusToRemote } from './enums.js';
import {
  KaggleApiError,
  KaggleConnectionError,
  KaggleTimeoutError,
  isOutageError,
} from './errors.js';
import { DEFAULT_OUTAGE_LIMIT_MS, OutageTracker } from './outage.js';
import type { KernelRef } from './kernel-ref.js';
import type { KernelsApi } from './kernels.js';
import type { LogEntry } from './log-entry.js';
import type { LogStreamOptions, LogStreamResult } from './log-stream.js';
import { pollIntervalMs } from './poll-cadence.js';
import type { SleepFn } from './retry.js';
import { AsyncChannel } from './async-channel.js';
import { mergeLogEntries } from '../platform/log-records.js';

/**
 * Log events queued for the reader before the stream waits. An event is at most a chunk of
 * the answer's entries (mergeLogEntries), so this is a few MiB at most.
 */
const LOG_BACKLOG = 256;

export interface StatusSnapshot {
  status: RemoteStatus;
  message?: string | undefined;
}

export interface WatchOptions {
  kernels: KernelsApi;
  ref: KernelRef;
  /** The log stream, a chunk's entries at a time (streamKernelLogBatches). */
  streamLog: (options: LogStreamOptions) => AsyncGenerator<LogEntry[], LogStreamResult, undefined>;
  sleep: SleepFn;
  now: () => number;
  signal?: AbortSignal | undefined;
  /** How long the status may stay unknown (404) before the watch fails. */
  unknownGraceMs?: number | undefined;
  /**
   * How long the API may stay unreachable (no answer, 5xx) before the watch throws
   * PlatformUnreachableError; default 10 min.
   */
  outageLimitMs?: number | undefined;
  /** How long reading the rest of the log once the run ended may go without progress. */
  finalLogTimeoutMs?: number | undefined;
}

/** Errors that mean "Kaggle cannot tell right now", not "the run failed". */
export function isUnknownStatusError(error: unknown): boolean {
  if (error instanceof KaggleConnectionError || error instanceof KaggleTimeoutError) return true;
  return (
    error instanceof KaggleApiError && (error.effectiveStatus === 404 || error.kind === 'server')
  );
}

/** One status check; errors that only mean "not known yet" become status `unknown`. */
export async function checkStatus(
  kernels: KernelsApi,
  ref: KernelRef,
  signal?: AbortSignal,
): Promise<StatusSnapshot> {
  try {
    const s = await kernels.getKernelSessionStatus(ref.owner, ref.slug, signal);
    return { status: kernelStatusToRemote(s.status), message: s.failureMessage };
  } catch (error) {
    if (!isUnknownStatusError(error)) throw error;
    return unknownSnapshot(error);
  }
}

function unknownSnapshot(error: unknown): StatusSnapshot {
  const why = error instanceof KaggleApiError ? `HTTP ${error.effectiveStatus}` : 'no answer';
  return { status: 'unknown', message: `Kaggle cannot tell the status yet (${why})` };
}

async function quietSleep(sleep: SleepFn, ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch {
    // woken up or stopped: the caller looks at its signals
  }
}

export async function* watchKernel(
  options: WatchOptions,
): AsyncGenerator<WatchEvent, void, undefined> {
  const { kernels, ref, sleep, now } = options;
  const graceMs = options.unknownGraceMs ?? 10 * 60_000;
  const stop = new AbortController();
  const outer = options.signal;
  const onOuterAbort = () => stop.abort(outer?.reason);
  if (outer?.aborted) onOuterAbort();
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const logStop = new AbortController();
  const logSignal = AbortSignal.any([stop.signal, logStop.signal]);
  // Bounded for the log: a stream faster than its reader waits (the server holds the rest)
  // instead of piling up here.
  const channel = new AsyncChannel<WatchEvent>(LOG_BACKLOG);
  const started = now();
  let logSeen = 0;
  /** The log pump waits for the reader: the log is not stalled, we are. */
  let waitingForRoom = false;
  let endOfLog = false;
  let endOfLogAt: number | undefined;
  let wake = new AbortController();
  let wakePending = false;

  const pump = async (stream: AsyncGenerator<LogEntry[], LogStreamResult, undefined>) => {
    for (let r = await stream.next(); ; r = await stream.next()) {
      if (r.done) return r.value;
      logSeen += r.value.length;
      for (const merged of mergeLogEntries(
        r.value,
        (e) => e.stream,
        (e) => e.data,
      )) {
        channel.push({ type: 'log', ...merged });
      }
      if (channel.size >= LOG_BACKLOG) {
        waitingForRoom = true;
        await channel.room();
        waitingForRoom = false;
      }
    }
  };

  const logLoop = async () => {
    while (!logSignal.aborted) {
      try {
        const result = await pump(options.streamLog({ skip: logSeen, signal: logSignal }));
        if (result.endOfLog) {
          endOfLog = true;
          endOfLogAt = now();
          wakePending = true;
          wake.abort();
          return;
        }
      } catch {
        // The log is best effort (403 on someone else's kernel, stream not up yet): retry later.
      }
      await quietSleep(sleep, pollIntervalMs(now() - started), logSignal);
    }
  };

  const outage = new OutageTracker({
    limitMs: options.outageLimitMs ?? DEFAULT_OUTAGE_LIMIT_MS,
    sleep,
    now,
    signal: stop.signal,
    what: `watching ${ref.owner}/${ref.slug}`,
    onOutage: (message) => channel.push({ type: 'status', status: 'unknown', message }),
  });

  const statusLoop = async (): Promise<StatusSnapshot> => {
    let last = '';
    let unknownSince: number | undefined;
    for (;;) {
      let snapshot: StatusSnapshot;
      try {
        const s = await kernels.getKernelSessionStatus(ref.owner, ref.slug, stop.signal);
        outage.recovered();
        snapshot = { status: kernelStatusToRemote(s.status), message: s.failureMessage };
      } catch (error) {
        stop.signal.throwIfAborted();
        if (isOutageError(error)) {
          // Waits the backoff, or throws PlatformUnreachableError past the outage limit.
          await outage.failed(error);
          last = ''; // say the status again once the API is back
          continue;
        }
        if (!isUnknownStatusError(error)) throw error;
        snapshot = unknownSnapshot(error);
      }
      stop.signal.throwIfAborted();
      if (snapshot.status === 'unknown') {
        unknownSince ??= now();
        if (now() - unknownSince > graceMs) {
          // Ask once more without the safety net so the real error surfaces.
          await kernels.getKernelSessionStatus(ref.owner, ref.slug, stop.signal);
        }
      } else {
        unknownSince = undefined;
      }
      if (isTerminal(snapshot.status)) return snapshot;
      const key = `${snapshot.status}\n${snapshot.message ?? ''}`;
      if (key !== last) channel.push({ type: 'status', ...snapshot });
      last = key;
      const sinceEnd = endOfLogAt === undefined ? undefined : now() - endOfLogAt;
      if (!wakePending) {
        await quietSleep(
          sleep,
          pollIntervalMs(now() - started, sinceEnd),
          AbortSignal.any([stop.signal, wake.signal]),
        );
      }
      stop.signal.throwIfAborted();
      wakePending = false;
      if (wake.signal.aborted) wake = new AbortController();
    }
  };

  const logTask = logLoop();
  const statusTask = statusLoop().then(
    async (final) => {
      logStop.abort();
      await logTask;
      if (!endOfLog) {
        // The live stream fell behind (or never got going): the rest comes from the platform's
        // persisted log. However long that takes while it moves; given up once it stalls.
        const stalled = new AbortController();
        const drain = AbortSignal.any([stop.signal, stalled.signal]);
        const idleMs = options.finalLogTimeoutMs ?? 15_000;
        let lastSeen = -1;
        const watchdog = setInterval(() => {
          if (logSeen === lastSeen && !waitingForRoom) stalled.abort(new Error('log stalled'));
          lastSeen = logSeen;
        }, idleMs);
        const before = logSeen;
        try {
          const result = await pump(
            options.streamLog({ skip: logSeen, signal: drain, maxReconnects: 0 }),
          );
          if (!result.endOfLog) throw new Error('the log ended early');
        } catch {
          // The run is over: a log we cannot read must not hide its status; say what is missing.
          if (!stop.signal.aborted) {
            channel.push({
              type: 'status',
              status: 'unknown',
              message: `the rest of the log could not be read after ${logSeen - before} more entries; the run's log may miss its end`,
            });
          }
        } finally {
          clearInterval(watchdog);
        }
      }
      channel.push({ type: 'status', ...final });
      channel.close();
    },
    (error: unknown) => channel.fail(error),
  );

  try {
    yield* channel;
  } finally {
    stop.abort();
    channel.close(); // frees a log pump waiting for room
    outer?.removeEventListener('abort', onOuterAbort);
    await Promise.allSettled([logTask, statusTask]);
  }
}
