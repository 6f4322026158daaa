// The typed events of a sweep: each point's own run events, wrapped with the point they
// belong to, plus the sweep's start, its points' starts and ends, and its end.

import type { BatchItemResult } from '../batch/merge-items.js';
import type { RunEvent } from '../run/events.js';
import type { RunRecord } from '../run/record.js';
import type { SweepPoint, SweepRecord } from './sweep-store.js';

export interface SweepResult {
  sweep: SweepRecord;
  /** Wall time from the first point's start to the last point's end. */
  makespanSeconds: number;
  /** Each point's run record, in point order; null for a point that never got one. */
  records: (RunRecord | null)[];
  /** 0 when every point completed, else the worst point's exit code. */
  exitCode: number;
  /** A batch: how each input item ended, in file order (also in `<outputDir>/items.jsonl`). */
  items?: BatchItemResult[] | undefined;
}

export type SweepEvent =
  | { type: 'sweep-start'; sweep: SweepRecord; resumed: boolean; toRun: number }
  | { type: 'warning'; message: string }
  /** `attach`: the point's run was in flight and is followed; `run`: it is (re)started. */
  | { type: 'point-start'; point: SweepPoint; mode: 'run' | 'attach' }
  | { type: 'point-event'; point: SweepPoint; event: RunEvent }
  | {
      type: 'point-end';
      point: SweepPoint;
      record: RunRecord | null;
      /** Set when the point ended with an error instead of a finished record. */
      error?: string | undefined;
    }
  /** A push was refused for the session cap: the scheduler now runs at most `cap` at once. */
  | { type: 'cap-learned'; cap: number; message: string }
  | { type: 'done'; result: SweepResult };
