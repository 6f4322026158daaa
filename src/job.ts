// The resolved, validated job: what `resolve` produces from config + flags + env, and what
// every later stage (pack, render, platform) reads. Nothing downstream re-reads config files.

import type { Accelerator } from './accelerator.js';

export type ParamValue = string | number | boolean | null;
export type Params = Record<string, ParamValue>;

export type PlatformName = 'local' | 'kaggle';

export interface Job {
  /** Human name; also the base of the Kaggle kernel slug. */
  name: string;
  /** Absolute project root: the folder holding the config file, or the given folder. */
  root: string;
  /** The config file the job came from, when there was one. */
  configFile: string | undefined;
  /** Entry path relative to root, POSIX separators; ends in .py or .ipynb. */
  entry: string;
  kind: 'script' | 'notebook';
  /** Script argv templates; `${name}` is replaced by the param's value (never by the shell). */
  args: string[];
  /** Final params: defaults < profile < -p flags. */
  params: Params;
  profile: string | undefined;
  accelerator: Accelerator;
  /** requirements file relative to root, or inline list of pip requirement lines. */
  requirements: { file: string } | { packages: string[] } | undefined;
  include: string[];
  exclude: string[];
  /** Output globs relative to the working folder; empty = every new or changed file. */
  outputs: string[];
  timeoutSeconds: number;
  /** Kaggle dataset refs attached as inputs ("owner/slug" or "owner/slug/version"). */
  datasets: string[];
  internet: boolean;
  private: boolean;
  platform: PlatformName;
  /** Kaggle API base override (--endpoint / KAGGLE_RUN_ENDPOINT). */
  endpoint: string | undefined;
  /** Python interpreter for the local platform (KAGGLE_RUN_PYTHON / `python:`). */
  python: string | undefined;
}
