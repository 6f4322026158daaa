import { ExitCode } from '../errors.js';
import type { RunRecord } from './record.js';

/** A finished run's exit code, from who is to blame for how it ended. */
export function exitCodeForRecord(record: RunRecord): number {
  if (record.status === 'complete') return ExitCode.ok;
  // Detached: pushed and left running on purpose.
  if (record.step === 'pushed' && record.error === null) return ExitCode.ok;
  if (record.status === 'timeout') return ExitCode.timedOut;
  if (record.error?.kind === 'program') return ExitCode.programFailed;
  if (record.error?.kind === 'interrupted') return ExitCode.interrupted;
  if (record.error?.kind === 'usage') return ExitCode.usage;
  return ExitCode.platform;
}
