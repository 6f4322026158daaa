// The user config: machine-wide defaults that sit below the project file in precedence.
// Only keys that describe the machine or the user belong here, not the job.

import { readConfigFile } from './read-config-file.js';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { readEnv } from '../env.js';
import { ConfigError, UsageError, errorMessage } from '../errors.js';
import { userConfigKeys } from './schema.js';
import type { UserConfig } from './schema.js';
import { validateUserConfig } from './validate.js';
import { readYamlSource } from './yaml-source.js';

/** $XDG_CONFIG_HOME/kaggle-run/config.yaml, else ~/.config/kaggle-run/config.yaml. */
export function userConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = readEnv('XDG_CONFIG_HOME', env);
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'kaggle-run', 'config.yaml');
  const home = readEnv('HOME', env) ?? homedir();
  return join(home, '.config', 'kaggle-run', 'config.yaml');
}

/** The user config, {} when there is none; ConfigError (with lines) when it is invalid. */
export async function loadUserConfig(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ config: UserConfig; file: string | undefined }> {
  const file = userConfigPath(env);
  let text: string;
  try {
    text = await readConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { config: {}, file: undefined };
    throw new UsageError(`cannot read the user config ${file}: ${errorMessage(error)}`, {
      hint: 'fix or remove that file (it only holds defaults)',
      cause: error,
    });
  }
  const result = validateUserConfig(readYamlSource(file, text, { allowEmpty: true }));
  if (!result.ok) {
    throw new ConfigError(result.problems, {
      hint: `the user config (${file}) may only set: ${userConfigKeys.join(', ')}`,
    });
  }
  return { config: result.value, file };
}
