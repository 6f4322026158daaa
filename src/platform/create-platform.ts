import type { Job } from '../job.js';
import type { Platform } from './platform.js';
import { findPython } from './local/python.js';
import { LocalPlatform } from './local/local-platform.js';

/** The platform a job runs on, ready to push. Probing happens here, before anything is
 * written, so a missing Python or credential is a clean usage error. */
export async function createPlatform(
  job: Job,
  env: NodeJS.ProcessEnv,
  onWarning: (message: string) => void,
): Promise<Platform> {
  if (job.platform === 'local') {
    const python = await findPython({
      explicit: job.python,
      needNotebook: job.kind === 'notebook',
      cwd: job.root,
    });
    if (job.kind === 'notebook' && job.python === undefined) {
      const first = await findPython({ explicit: undefined, needNotebook: false, cwd: job.root });
      if (first.executable !== python.executable) {
        onWarning(
          `${first.command} (${first.executable}) has no nbclient/ipykernel; this notebook runs with ${python.command} (${python.executable}), scripts with ${first.command}: set KAGGLE_RUN_PYTHON (or \`python:\`) to use one interpreter for both`,
        );
      }
    }
    // The resolved interpreter, not the command: a version-manager shim costs a process
    // start of its own on every run.
    return new LocalPlatform({ python: python.executable });
  }
  const { KaggleApiPlatform } = await import('../kaggle/kaggle-platform.js');
  const platform = new KaggleApiPlatform({ endpoint: job.endpoint, env, onWarning });
  return platform;
}
