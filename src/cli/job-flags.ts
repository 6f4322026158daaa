import { resolve } from 'node:path';
import type { JobOverrides } from '../config/overrides.js';
import { checkDuration, checkWith, flagNumber } from '../config/overrides.js';
import { parseOutputFileFlags } from '../run/output-files.js';
import { batchModeSchema, perSessionSchema, type BatchMode } from '../config/batch-schema.js';

/** The job-shaping flags `run` takes, as commander hands them over. */
export interface JobFlags {
  kaggle?: true | undefined;
  local?: true | undefined;
  endpoint?: string | undefined;
  param: string[];
  profile?: string | undefined;
  accelerator?: string | undefined;
  gpu?: true | undefined;
  device?: string | undefined;
  entry?: string | undefined;
  timeout?: string | undefined;
  code?: string | undefined;
  gitCommit?: true | undefined;
  output: string[];
  outputDir?: string | undefined;
  new?: true | undefined;
  queueTimeout?: string | undefined;
  outputFile: string[];
  data: string[];
}

/** The run options every run takes from its flags (a single run and each sweep point). */
export function runOptionsFromFlags(
  opts: JobFlags,
  cwd: string,
): {
  outputDir?: string;
  forceNew?: true;
  queueTimeoutSeconds?: number;
  outputFiles?: Record<string, string>;
  data?: string[];
} {
  const outputFiles = Object.entries(parseOutputFileFlags(opts.outputFile)).map(
    ([remote, local]) => [remote, resolve(cwd, local)] as const,
  );
  return {
    ...(outputFiles.length === 0 ? {} : { outputFiles: Object.fromEntries(outputFiles) }),
    // Paths named on the command line are taken from the current folder.
    ...(opts.data.length === 0
      ? {}
      : {
          data: opts.data.map((flag) => {
            const eq = flag.indexOf('=');
            return eq < 0 ? flag : `${flag.slice(0, eq)}=${resolve(cwd, flag.slice(eq + 1))}`;
          }),
        }),
    ...(opts.outputDir === undefined ? {} : { outputDir: resolve(cwd, opts.outputDir) }),
    ...(opts.new === true ? { forceNew: true as const } : {}),
    ...(opts.queueTimeout === undefined
      ? {}
      : { queueTimeoutSeconds: checkDuration(opts.queueTimeout, '--queue-timeout') }),
  };
}

/** `--batch FILE` (relative to the current folder), `--per-session K`, `--batch-mode M`. */
export function batchOptionsFromFlags(
  opts: {
    batch?: string | undefined;
    perSession?: string | undefined;
    batchMode?: string | undefined;
  },
  cwd: string,
): { batchFile?: string; perSession?: number; batchMode?: BatchMode } {
  // Checked as `batch.mode` and `batch.per_session` are in a file, named after the flag.
  const batchMode =
    opts.batchMode === undefined
      ? undefined
      : checkWith(batchModeSchema, opts.batchMode, '--batch-mode');
  const perSession =
    opts.perSession === undefined
      ? undefined
      : checkWith(perSessionSchema, flagNumber(opts.perSession), '--per-session');
  return {
    ...(opts.batch === undefined ? {} : { batchFile: resolve(cwd, opts.batch) }),
    ...(perSession === undefined ? {} : { perSession }),
    ...(batchMode === undefined ? {} : { batchMode }),
  };
}

/** Flags to job overrides, one way for a single run and a sweep. */
export function jobOverridesFromFlags(opts: JobFlags): JobOverrides {
  const accelerator = opts.accelerator ?? (opts.gpu ? 'gpu' : opts.device);
  return {
    params: opts.param,
    ...(opts.kaggle
      ? { platform: 'kaggle' as const }
      : opts.local
        ? { platform: 'local' as const }
        : {}),
    ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
    ...(opts.profile === undefined ? {} : { profile: opts.profile }),
    ...(accelerator === undefined ? {} : { accelerator }),
    ...(opts.entry === undefined ? {} : { entry: opts.entry }),
    ...(opts.timeout === undefined ? {} : { timeout: opts.timeout }),
    ...(opts.code === undefined ? {} : { code: opts.code }),
    ...(opts.gitCommit === true ? { gitCommit: true } : {}),
    ...(opts.output.length === 0 ? {} : { outputs: opts.output }),
  };
}
