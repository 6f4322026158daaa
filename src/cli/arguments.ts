// The arguments and options several commands share, named and described once: a run is
// always `<run>`, the project folder always `--dir` (and, for `run` and `init`, also their
// positional folder).

import { resolve } from 'node:path';
import { UsageError } from '../errors.js';

export const RUN_ARGUMENT = '<run>';
export const RUN_DESCRIPTION = 'run id, a unique part of one, or `last`';

export const DIR_FLAGS = '--dir <dir>';
export const DIR_DESCRIPTION = 'project folder, or any folder inside it (default .)';

export const FOLDER_ARGUMENT = '[dir]';
export const FOLDER_DESCRIPTION = 'project folder, the same as --dir';

export const ENDPOINT_FLAGS = '--endpoint <url>';
export const ENDPOINT_DESCRIPTION =
  'Kaggle API base, e.g. a `kaggle-run server` (env KAGGLE_RUN_ENDPOINT)';

/**
 * The project folder of a command that takes it both as `--dir` and as its positional
 * argument: either one, or both when they name the same folder.
 */
export function projectFolder(
  positional: string | undefined,
  dirFlag: string | undefined,
  cwd: string,
): string {
  const fromArg = positional === undefined ? undefined : resolve(cwd, positional);
  const fromFlag = dirFlag === undefined ? undefined : resolve(cwd, dirFlag);
  if (fromArg !== undefined && fromFlag !== undefined && fromArg !== fromFlag) {
    throw new UsageError(
      `the folder ${JSON.stringify(positional)} and --dir ${JSON.stringify(dirFlag)} name different projects`,
      { hint: 'give the project folder once, either as the argument or as --dir' },
    );
  }
  return fromArg ?? fromFlag ?? resolve(cwd);
}
