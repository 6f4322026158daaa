// What `kaggle-run attach REF` names: a run or a sweep, decided by a rule rather than a
// guess. `last` is the last run and `last-sweep` the last sweep; an exact id is what it is;
// a part of an id must name runs or sweeps, not both (`sweep attach` names a sweep outright).

import { UsageError } from '../errors.js';
import type { RunStore } from '../store/run-store.js';
import { SweepStore } from './sweep-store.js';

export type AttachTarget = { kind: 'run' } | { kind: 'sweep' };

export async function attachTarget(store: RunStore, ref: string): Promise<AttachTarget> {
  if (ref === 'last') return { kind: 'run' };
  if (ref === 'last-sweep') return { kind: 'sweep' };
  const sweepIds = await new SweepStore(store).ids();
  if (sweepIds.includes(ref)) return { kind: 'sweep' };
  // The run store's index: no record is read to tell a run id.
  const { summaries: runs } = await store.summaries();
  if (runs.some((r) => r.runId === ref)) return { kind: 'run' };
  const sweeps = sweepIds.filter((id) => id.includes(ref));
  const matching = runs.filter((r) => r.runId.includes(ref)).map((r) => r.runId);
  if (sweeps.length > 0 && matching.length > 0) {
    throw new UsageError(
      `${JSON.stringify(ref)} is part of run ${matching[0]}${matching.length > 1 ? ` (and ${matching.length - 1} more)` : ''} and of sweep ${sweeps[0]}${sweeps.length > 1 ? ` (and ${sweeps.length - 1} more)` : ''}`,
      { hint: 'give the whole id, or use `kaggle-run sweep attach SWEEP` for the sweep' },
    );
  }
  // Nothing matching at all is the run store's error to give ("no run matches").
  return sweeps.length > 0 ? { kind: 'sweep' } : { kind: 'run' };
}
