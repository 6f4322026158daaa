// How often to ask Kaggle for a kernel's status: a pure function of the time since watching
// began, so it is table-tested and never drifts. Fast at first (short jobs and push errors
// show up quickly), then gentle on an unpublished rate limit for long runs. Once the log
// stream said END_OF_LOG the session is about to end, so for a few seconds we look often;
// the status can lag the log by a moment.

export const pollSchedule: readonly { untilMs: number; everyMs: number }[] = [
  { untilMs: 10_000, everyMs: 1_000 },
  { untilMs: 60_000, everyMs: 2_000 },
  { untilMs: 5 * 60_000, everyMs: 5_000 },
  { untilMs: Number.POSITIVE_INFINITY, everyMs: 10_000 },
];

export const AFTER_END_OF_LOG_MS = 250;
export const END_OF_LOG_WINDOW_MS = 5_000;

/**
 * Milliseconds to wait before the next status check, `elapsedMs` after the watch began and
 * `sinceEndOfLogMs` after END_OF_LOG arrived (undefined while it has not).
 */
export function pollIntervalMs(elapsedMs: number, sinceEndOfLogMs?: number): number {
  const elapsed = Math.max(0, elapsedMs);
  const every = (pollSchedule.find((step) => elapsed < step.untilMs) ?? { everyMs: 10_000 })
    .everyMs;
  if (sinceEndOfLogMs !== undefined && sinceEndOfLogMs < END_OF_LOG_WINDOW_MS) {
    return Math.min(every, AFTER_END_OF_LOG_MS);
  }
  return every;
}
