// The one place a platform is built: from a job (to run it) or from a run record (to pick a
// run up in another process: attach, logs, status, a resumed sweep). Nothing else constructs
// a platform or a Kaggle client for a run.

import { UsageError } from '../errors.js';
import type { Job, PlatformName } from '../job.js';
import type { KaggleApiPlatform, KaggleApiPlatformOptions } from '../kaggle/kaggle-platform.js';
import type { KaggleClient } from '../kaggle/client.js';
import type { RunRecord } from '../run/record.js';
import { capabilitiesOf } from './capabilities.js';
import type { Platform } from './platform.js';
import { chooseInterpreter } from './local/python.js';
import { LocalPlatform } from './local/local-platform.js';

/** The platform a job runs on, ready to push. Probing happens here, before anything is
 * written, so a missing Python or credential is a clean usage error. */
export async function createPlatform(
  job: Job,
  env: NodeJS.ProcessEnv,
  onWarning: (message: string) => void,
): Promise<Platform> {
  if (job.platform === 'local') {
    const { python, note } = await chooseInterpreter({
      explicit: job.python,
      needNotebook: job.kind === 'notebook',
      cwd: job.root,
    });
    if (note !== undefined) onWarning(note);
    // The resolved interpreter, not the command: a version-manager shim costs a process
    // start of its own on every run.
    return new LocalPlatform({ python: python.executable });
  }
  return kagglePlatform({ endpoint: job.endpoint, env, onWarning });
}

/**
 * The platform a recorded run is on, reached from this process. A platform whose runs end
 * with the process that started them cannot be reached: `what` says what was tried.
 */
export async function platformForRecord(
  record: Pick<RunRecord, 'runId' | 'platform' | 'endpoint'>,
  env: NodeJS.ProcessEnv,
  what = 'picked up',
): Promise<Platform> {
  if (!reachableLater(record.platform)) {
    throw new UsageError(
      `run ${record.runId} ran on ${record.platform === 'local' ? 'this machine' : record.platform}, and such runs end with the process that ran them: it cannot be ${what} from another one`,
      { hint: 'start it again with `kaggle-run run`' },
    );
  }
  return kagglePlatform({ endpoint: record.endpoint ?? undefined, env });
}

/** Whether runs on this platform can be picked up by another process (attach, logs -f). */
export function reachableLater(name: PlatformName): boolean {
  return capabilitiesOf(name).outlivesProcess;
}

/**
 * The Kaggle account behind the endpoint, for what no run does (the quota, doctor's checks):
 * credentials found and a token introspected, through the Kaggle platform like every run.
 */
export async function kaggleAccount(
  options: KaggleApiPlatformOptions & { signal?: AbortSignal | undefined },
): Promise<KaggleClient> {
  const { signal, ...platformOptions } = options;
  return (await kagglePlatform(platformOptions)).connect(signal);
}

/** The Kaggle platform itself, for what only Kaggle does (a kernel folder's push). */
export async function kagglePlatform(
  options: KaggleApiPlatformOptions,
): Promise<KaggleApiPlatform> {
  // Loaded only when used: a local run never pays for the Kaggle client's modules.
  const { KaggleApiPlatform } = await import('../kaggle/kaggle-platform.js');
  return new KaggleApiPlatform(options);
}
