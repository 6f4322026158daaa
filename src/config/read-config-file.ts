// Config files are read whole and parsed in memory, so one that is absurdly big (a generated
// file gone wrong, a data file named kaggle-run.yaml) is refused before it is read.

import { open } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

/**
 * The largest config file read: a spec with tens of thousands of params is a few MB.
 */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** The file's text; ConfigError when it is larger than MAX_CONFIG_BYTES, I/O errors as thrown. */
export async function readConfigFile(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_CONFIG_BYTES) {
      throw new ConfigError(
        [
          {
            path: '',
            file: path,
            message: `the file is ${(size / 1024 ** 2).toFixed(1)} MiB, more than a config may hold (${MAX_CONFIG_BYTES / 1024 ** 2} MiB)`,
          },
        ],
        { hint: 'keep large data out of the config: put it in a file the job reads' },
      );
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
