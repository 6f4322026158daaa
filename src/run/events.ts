// The typed events of one run. The runner yields them; renderers (terminal, plain, JSON)
// and host programs consume them.

import type { Job } from '../job.js';
import type { RunHandle, RemoteStatus } from '../platform/platform.js';
import type { OutputRecord, RunRecord } from './record.js';

export interface ExcludedFile {
  path: string;
  reason: string;
}

export type RunEvent =
  | { type: 'resolved'; runId: string; job: Job }
  | {
      type: 'packed';
      files: number;
      bytes: number;
      codeHash: string;
      excluded: ExcludedFile[];
    }
  | { type: 'warning'; message: string }
  /** Code, data or env vars are on the platform as a dataset (uploaded now, or unchanged). */
  | {
      type: 'shipped';
      what: 'code' | 'data' | 'env';
      dataset: string;
      version: number | null;
      uploaded: boolean;
      bytes: number;
    }
  /** The code goes as a git commit the kernel checks out. */
  | { type: 'shipped-git'; url: string; commit: string; snapshot: boolean }
  | { type: 'pushed'; handle: RunHandle }
  /** `attach` took up a run that was pushed earlier. */
  | { type: 'attached'; runId: string; handle: RunHandle }
  | { type: 'status'; status: RemoteStatus; message?: string | undefined }
  | { type: 'log'; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'fetching'; files: number; bytes: number }
  | { type: 'output'; file: OutputRecord }
  | { type: 'done'; record: RunRecord };
