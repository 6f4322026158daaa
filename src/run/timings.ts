// Where a run's time went, for hosts that show it or tell their model's seconds from the
// session's overhead. Local clock for what this machine saw (push, the harness's start line
// arriving, the end, the fetch); the session's own clock for what the harness measured.

import type { Manifest } from '../manifest.js';
import type { RunRecord, RunTimings } from './record.js';

const seconds = (ms: number) => Math.round(ms) / 1000;

const round = (s: number) => Math.round(s * 1000) / 1000;

/** The session's phases from the harness's own step times (null where it gave none). */
function harnessSteps(steps: Record<string, number> | null | undefined): Partial<RunTimings> {
  if (steps == null) return {};
  const sum = (...names: string[]): number | null => {
    const seen = names.filter((n) => typeof steps[n] === 'number');
    return seen.length === 0 ? null : round(seen.reduce((total, n) => total + (steps[n] ?? 0), 0));
  };
  return {
    // Not `python`: a platform that pre-starts interpreters makes that the wait for a session.
    harnessStartSeconds: sum('settings', 'accelerator', 'env-file', 'secrets'),
    unpackSeconds: sum('unpack'),
    installSeconds: sum('requirements'),
    manifestSeconds: sum('manifest'),
  };
}

export function runTimings(
  record: RunRecord,
  manifest: Manifest | undefined,
  /** When the platform's terminal status was seen, and when the outputs were all verified. */
  endSeenAt: number,
  fetchedAt: number,
): RunTimings {
  const pushedAt = record.startedAt === null ? undefined : Date.parse(record.startedAt);
  const sessionAt =
    record.sessionStartedAt == null ? undefined : Date.parse(record.sessionStartedAt);
  const program = manifest?.programSeconds ?? null;
  return {
    queueSeconds:
      pushedAt === undefined || sessionAt === undefined
        ? null
        : seconds(Math.max(0, sessionAt - pushedAt)),
    startSeconds:
      manifest === undefined
        ? null
        : Math.max(0, Math.round((manifest.durationSeconds - (program ?? 0)) * 1000) / 1000),
    programSeconds: program,
    ...harnessSteps(manifest?.stepSeconds),
    fetchSeconds: seconds(fetchedAt - endSeenAt),
    totalSeconds: pushedAt === undefined ? null : seconds(fetchedAt - pushedAt),
  };
}
