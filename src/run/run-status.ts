// `kaggle-run status RUN`: the record's status, and for a run that outlives its process the
// platform's own status now. A run whose platform says it ended while the record is still
// open was not fetched yet (after `run --detach`, or a killed process): say how to finish it.

import { reachableLater, platformForRecord } from '../platform/create-platform.js';
import { isTerminal, type RemoteStatus } from '../platform/platform.js';
import { lockHolder } from '../store/run-lock.js';
import type { RunStore } from '../store/run-store.js';
import type { RunRecord } from './record.js';

export interface RunStatusReport {
  record: RunRecord;
  /** The platform's status of the run's kernel now (its latest version); null when not asked. */
  remoteStatus: RemoteStatus | null;
  message: string | null;
  /** What to run next, when the record is behind the platform; null when nothing is to do. */
  next: string | null;
}

export async function runStatus(
  store: RunStore,
  record: RunRecord,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<RunStatusReport> {
  if (record.kernel === null || !reachableLater(record.platform)) {
    return { record, remoteStatus: null, message: null, next: null };
  }
  const platform = await platformForRecord(record, env);
  const remote = await platform.status(
    {
      platform: record.platform,
      kernel: record.kernel,
      version: record.version,
      nonce: record.nonce,
    },
    signal,
  );
  const open = record.step !== 'done' && record.endedAt === null;
  const watched = (await lockHolder(store.runDir(record.runId))) !== undefined;
  const next =
    open && !watched
      ? isTerminal(remote.status)
        ? `its outputs are not fetched yet: \`kaggle-run attach ${record.runId}\` fetches them and finishes the record`
        : `no process is watching it: \`kaggle-run attach ${record.runId}\` (or \`logs ${record.runId} -f\`) follows it to its end`
      : null;
  return { record, remoteStatus: remote.status, message: remote.message ?? null, next };
}
