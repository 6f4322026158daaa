// The resolved, validated job: what `resolve` produces from config + flags + env, and what
// every later stage (pack, render, platform) reads. Nothing downstream re-reads config files.

import type { Accelerator } from './accelerator.js';
import type { CodeMode } from './config/shipping-schema.js';
import type { BatchSpec } from './config/batch-schema.js';
import type { SweepSpec } from './config/schema.js';
import type { InputLayout } from './platform/input-layout.js';

export type { CodeMode } from './config/shipping-schema.js';

export type { ParamValue, Params } from './config/param-value.js';
import type { Params } from './config/param-value.js';

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
  /** Local platform: where attached inputs appear under the input folder. */
  inputLayout: InputLayout;
  private: boolean;
  platform: PlatformName;
  /** Kaggle API base override (--endpoint / KAGGLE_RUN_ENDPOINT). */
  endpoint: string | undefined;
  /** Python interpreter for the local platform (KAGGLE_RUN_PYTHON / `python:`). */
  python: string | undefined;
  /** How the code reaches a Kaggle session; `auto`: inline under the source limit, else dataset. */
  code: CodeMode;
  /** For `code: git`: the remote the kernel clones, the secret with a token for it. */
  git: GitShipping;
  /** Local files or folders shipped as private datasets (input-layout.ts says where they appear). */
  data: DataMapping[];
  /** Kaggle sources attached by name, as the push request spells them. */
  competitions: string[];
  models: string[];
  kernels: string[];
  /** Kaggle user secrets loaded into the program's environment inside the kernel. */
  secrets: string[];
  /** Variables shipped in a private dataset (refused for a public kernel). */
  envFile: { path: string; vars: string[] | undefined } | undefined;
  /** Kaggle's docker image: pinned to the kernel's original one, the latest, or a named image. */
  image: ImagePin | undefined;
  /**
   * `code_in_place: false`: code Kaggle unpacked read-only is copied whole into the working
   * folder, so that the program may write anywhere in it. Default true: big folders linked.
   */
  codeInPlace?: boolean | undefined;
  /** `batch:`: a file of inputs run K items per session (see src/batch/). */
  batch: BatchSpec | undefined;
  /** `sweep:`: the grid of param values the job is swept over (see src/sweep/). */
  sweep?: SweepSpec | undefined;
  /** `metrics:`: a JSON file of numbers among the outputs, shown per sweep point. */
  metrics?: string | undefined;
}

export interface GitShipping {
  remote: string;
  tokenSecret: string | undefined;
  /** `--git-commit`: commit the working tree on the current branch and push it first. */
  commit: boolean;
}

export interface DataMapping {
  slug: string;
  /** Relative to the job root, POSIX separators; absolute for a `--data` flag's path. */
  path: string;
  /** May be absent or empty: then nothing is attached (the spec's `optional: true`). */
  optional?: boolean | undefined;
}

export type ImagePin = { pinning: 'original' | 'latest' } | { image: string };
