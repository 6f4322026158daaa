// `kaggle-run doctor`: everything a run needs, checked in one go, each with a fix.

import { execFile } from 'node:child_process';
import { errorMessage } from '../errors.js';
import { kaggleAccount } from '../platform/create-platform.js';
import { findPython } from '../platform/local/python.js';
import { sandboxAvailable } from '../platform/local/sandbox.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** Only required checks make doctor fail; the others are advice. */
  required: boolean;
}

function version(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 10_000 }, (error, stdout) =>
      resolve(error ? undefined : stdout.trim().split('\n')[0]),
    );
  });
}

export async function runDoctor(options: {
  endpoint: string | undefined;
  env: NodeJS.ProcessEnv;
  python: string | undefined;
}): Promise<Check[]> {
  const checks: Check[] = [];
  const node = process.versions.node;
  const [major, minor] = node.split('.').map(Number) as [number, number];
  checks.push({
    name: 'node',
    ok: major > 20 || (major === 20 && minor >= 19),
    detail: `v${node}${major > 20 || (major === 20 && minor >= 19) ? '' : ' (needs >= 20.19)'}`,
    required: true,
  });
  try {
    const python = await findPython({ explicit: options.python, needNotebook: false });
    checks.push({
      name: 'python',
      ok: true,
      detail: `${python.command} ${python.version} (${python.executable}): runs scripts${python.hasNotebookSupport ? ' and notebooks' : ''} locally and \`kaggle-run server\` kernels (KAGGLE_RUN_PYTHON, \`python:\` or --python to choose another)`,
      required: true,
    });
    const notebooks = python.hasNotebookSupport
      ? python
      : await findPython({ explicit: options.python, needNotebook: true }).catch(() => undefined);
    checks.push({
      name: 'notebooks',
      ok: notebooks !== undefined,
      detail:
        notebooks === undefined
          ? 'no Python with nbclient + ipykernel: `pip install nbclient ipykernel` to run notebooks locally'
          : `nbclient + ipykernel in ${notebooks.command}`,
      required: false,
    });
  } catch (error) {
    checks.push({ name: 'python', ok: false, detail: errorMessage(error), required: true });
  }
  const git = await version('git', ['--version']);
  checks.push({
    name: 'git',
    ok: git !== undefined,
    detail: git ?? 'git not found: install it to pack git projects by their tracked files',
    required: false,
  });
  const sandbox = await sandboxAvailable(options.env);
  checks.push({
    name: 'sandbox',
    ok: sandbox,
    detail: sandbox
      ? 'bubblewrap: local runs see /kaggle/input and /kaggle/working'
      : 'bubblewrap not usable: local runs use KAGGLE_RUN_WORKING_DIR instead of /kaggle paths (apt-get install bubblewrap)',
    required: false,
  });
  try {
    const client = await kaggleAccount({
      endpoint: options.endpoint,
      env: options.env,
      maxAttempts: 2,
      timeoutMs: 15_000,
    });
    checks.push({
      name: 'credentials',
      ok: true,
      detail: `${client.credentials.kind === 'token' ? 'access token' : 'API key'} for ${client.username} from ${client.credentials.source}`,
      required: true,
    });
    for (const warning of client.warnings)
      checks.push({ name: 'credentials', ok: false, detail: warning, required: false });
    try {
      const quota = await client.kernels.getAcceleratorQuotaStatistics();
      const left = (quota.gpu.allowedSeconds - quota.gpu.usedSeconds) / 3600;
      checks.push({
        name: 'endpoint',
        ok: true,
        detail: `${client.endpoint.base} answers; ${left.toFixed(1)} GPU hours left`,
        required: true,
      });
    } catch (error) {
      checks.push({
        name: 'endpoint',
        ok: false,
        detail: `${client.endpoint.base}: ${errorMessage(error)}`,
        required: true,
      });
    }
  } catch (error) {
    checks.push({ name: 'credentials', ok: false, detail: errorMessage(error), required: true });
  }
  return checks;
}
