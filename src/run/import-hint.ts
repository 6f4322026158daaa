// A local program that failed on `ModuleNotFoundError: No module named 'X'` while another
// Python on this machine has X: say which, since the fix is then a setting, not an install.

import { interpreterWithModule } from '../platform/local/python.js';

const MISSING = /ModuleNotFoundError: No module named '([A-Za-z_][\w.]*)'/;

export async function importHint(
  stderr: string,
  used: string,
  cwd: string,
): Promise<string | undefined> {
  const module = MISSING.exec(stderr)?.[1]?.split('.')[0];
  if (module === undefined) return undefined;
  const other = await interpreterWithModule(module, used, cwd);
  if (other === undefined) return undefined;
  return `${module} is not importable by ${used}, but ${other.executable} (Python ${other.version}) has it: set KAGGLE_RUN_PYTHON=${other.executable} (or \`python:\` in kaggle-run.yaml), or install ${module} for ${used}`;
}
