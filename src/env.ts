// Every environment variable kaggle-run reads, declared once with what it is for.
// A blank value counts as unset.

import { UsageError } from './errors.js';

export const envVars = {
  KAGGLE_RUN_ENDPOINT: 'Kaggle API base URL, e.g. a `kaggle-run server` (same as --endpoint).',
  KAGGLE_RUN_OUTAGE_LIMIT:
    'Seconds a watch waits out an unreachable Kaggle API before giving up (default 600).',
  KAGGLE_RUN_WAIT_MARGIN:
    'Seconds a run is waited for past its job timeout (queueing, start-up, the end of the log) before kaggle-run gives up (default 3600).',
  KAGGLE_RUN_DATASET_READY_TIMEOUT:
    'Seconds to wait for an uploaded dataset version to be READY before pushing (default 600).',
  KAGGLE_RUN_PYTHON: 'Python interpreter the local platform runs the harness with.',
  KAGGLE_RUN_HOME: 'Folder for the run store instead of <project>/.kaggle-run.',
  KAGGLE_RUN_NO_SANDBOX: 'Set to 1 to run local jobs without bubblewrap even when it is present.',
  KAGGLE_RUN_PLATFORM: 'Default platform (local | kaggle) when neither flag nor config names one.',
  KAGGLE_RUN_ACCELERATOR: 'Default accelerator when neither flag nor config names one.',
  KAGGLE_RUN_INPUT_DIR: 'Read by the harness: the input folder (default /kaggle/input).',
  KAGGLE_RUN_WORKING_DIR: 'Read by the harness: the working folder (default /kaggle/working).',
  KAGGLE_RUN_ACCELERATOR_CHECK:
    'Read by the harness: `warn` or `strict` overrides what a missing accelerator does (kaggle-run server sets warn).',
  PYTHONPATH:
    'Kept for kaggle-run server sessions, behind the folder of their kaggle_secrets module.',
  KAGGLE_API_ENVIRONMENT:
    'As the official CLI: LOCALHOST points the client at http://localhost/api.',
  KAGGLE_API_TOKEN: 'Kaggle access token, or the path of a file holding one.',
  KAGGLE_CONFIG_DIR: 'Folder holding kaggle.json (default ~/.kaggle, then ~/.config/kaggle).',
  KAGGLE_USERNAME: 'Kaggle user name; overrides kaggle.json.',
  KAGGLE_KEY: 'Kaggle legacy API key; overrides kaggle.json.',
  NO_COLOR: 'Disables colours in terminal output.',
  XDG_CONFIG_HOME: 'Base of the user config, <it>/kaggle-run/config.yaml (default ~/.config).',
  XDG_CACHE_HOME:
    'Base of the user cache (default ~/.cache): <it>/kaggle-run/interpreters.json, what each Python interpreter said about itself, and <it>/kaggle-run/code-cache/, the CLI compiled by V8.',
  HOME: 'Home folder; locates ~/.config/kaggle-run/config.yaml when XDG_CONFIG_HOME is unset.',
} as const;

export type EnvVarName = keyof typeof envVars;

export function readEnv(
  name: EnvVarName,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * A duration in seconds from `name`, or `fallback` when unset. A value that is not a number,
 * is negative, or is 0 where 0 makes no sense, is a UsageError naming the variable: a typo
 * must not silently become the default.
 */
export function readSecondsEnv(
  name: EnvVarName,
  fallback: number,
  options: { allowZero: boolean; example: string },
  env: NodeJS.ProcessEnv = process.env,
): number {
  const text = readEnv(name, env);
  if (text === undefined) return fallback;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0 || (seconds === 0 && !options.allowZero)) {
    throw new UsageError(`${name} must be a number of seconds, got ${text}`, {
      hint: `Set it to e.g. ${options.example}, or unset it.`,
    });
  }
  return seconds;
}
