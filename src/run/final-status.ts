import { blameForStep } from '../harness/contract.js';
import type { Manifest } from '../manifest.js';
import type { RemoteStatus } from '../platform/platform.js';
import type { RunRecord, RunStatus } from './record.js';

/**
 * Who is to blame when the harness stopped at `step`: the harness contract says (bad
 * settings, a notebook that cannot take its params, a secret or env file that is not there
 * are the job's, `usage`, and so are requirements that pip cannot install, as a local
 * install's are).
 */
function blameFor(step: string): NonNullable<RunRecord['error']>['kind'] {
  return blameForStep(step);
}

/**
 * A finished run's status. The manifest (written by the harness) knows best why the run
 * ended; the platform's status covers runs whose harness never got to write one.
 */
export function finalStatus(
  remote: RemoteStatus,
  manifest: Manifest | undefined,
): { status: RunStatus; exitCode: number | null; error: RunRecord['error'] } {
  if (manifest !== undefined) {
    const exitCode = manifest.exitCode;
    if (manifest.failedStep === 'timeout') {
      return {
        status: 'timeout',
        exitCode,
        error: { kind: 'timeout', message: manifest.error ?? 'the program ran past its timeout' },
      };
    }
    if (exitCode === 0 && manifest.error === null)
      return { status: 'complete', exitCode, error: null };
    const step = manifest.failedStep ?? 'program';
    const message =
      manifest.error ??
      (exitCode === null ? `failed in step ${step}` : `the program exited with code ${exitCode}`);
    return { status: 'error', exitCode, error: { kind: blameFor(step), message } };
  }
  if (remote === 'timeout')
    return {
      status: 'timeout',
      exitCode: null,
      error: { kind: 'timeout', message: 'the session ran past its timeout' },
    };
  if (remote === 'cancelled')
    return {
      status: 'cancelled',
      exitCode: null,
      error: { kind: 'platform', message: 'the session was cancelled' },
    };
  return {
    status: 'error',
    exitCode: null,
    error: {
      kind: 'platform',
      message: `the session ended (${remote}) without a manifest; see the log`,
    },
  };
}

/** The end of a kernel that runs no harness (a kernel folder's push): its platform status. */
export function platformStatus(remote: RemoteStatus): {
  status: RunStatus;
  exitCode: number | null;
  error: RunRecord['error'];
} {
  if (remote === 'complete') return { status: 'complete', exitCode: null, error: null };
  if (remote === 'error') {
    return {
      status: 'error',
      exitCode: null,
      error: { kind: 'program', message: 'the kernel ended with an error; see its log' },
    };
  }
  return finalStatus(remote, undefined);
}
