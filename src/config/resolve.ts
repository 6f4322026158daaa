// Config files + flags + environment -> one Job. Precedence, field by field:
// flag > environment > project file (found walking up) > user config > default.

import { stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { readEnv } from '../env.js';
import { ConfigError, UsageError } from '../errors.js';
import type { Job } from '../job.js';
import { maxTimeoutSeconds } from './duration.js';
import { loadProjectSpec } from './load-spec.js';
import { locateProjectFile } from './find-project-file.js';
import {
  checkAccelerator,
  checkDuration,
  checkEndpoint,
  checkGlobs,
  checkName,
  checkPlatform,
  mergeParams,
} from './overrides.js';
import type { JobOverrides } from './overrides.js';
import type { SpecFile, UserConfig } from './schema.js';
import { loadUserConfig } from './user-config.js';
import { resolveShipping } from './resolve-shipping.js';
import { resolveBatch } from './batch-schema.js';
import { entryProblem } from './validate.js';
import { readNotebook } from './read-notebook.js';

export type { JobOverrides } from './overrides.js';

export async function resolveJob(
  dir: string,
  overrides: JobOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ job: Job; warnings: string[] }> {
  const start = await checkFolder(dir);
  const warnings: string[] = [];
  const found = await locateProjectFile(start);
  const root = found ? dirname(found.path) : start;
  for (const ignored of found?.ignored ?? []) {
    const what = ignored.endsWith('.toml')
      ? `the [tool.kaggle-run] section of ${ignored}`
      : ignored;
    warnings.push(`${what} is ignored: ${found?.path} in the same folder takes precedence`);
  }

  // Both files are checked before either fails, so one run shows every problem (project
  // file first, whichever finishes first).
  const noSpec: SpecFile = {};
  const [specResult, userResult] = await Promise.allSettled([
    found ? loadProjectSpec(found, { root, skipEntry: overrides.entry !== undefined }) : noSpec,
    loadUserConfig(env).then((loaded) => loaded.config),
  ]);
  const spec = settledOrCollect(specResult);
  const user = settledOrCollect(userResult);
  if (spec instanceof ConfigError || user instanceof ConfigError) {
    const failed = [spec, user].filter((x): x is ConfigError => x instanceof ConfigError);
    const hints = [...new Set(failed.flatMap((e) => (e.hint === undefined ? [] : [e.hint])))];
    throw new ConfigError(
      failed.flatMap((e) => e.problems),
      hints.length > 0 ? { hint: hints.join('; ') } : {},
    );
  }

  const entry = await resolveEntry(root, start, spec.entry, overrides.entry, found?.path);
  const kind = entry.toLowerCase().endsWith('.ipynb') ? 'notebook' : 'script';
  // A notebook's parameters cell declares params too (and types their -p values). A bad
  // notebook is refused when it is about to run (checkNotebook), not here.
  const notebook =
    kind === 'notebook'
      ? await readNotebook(join(root, entry), entry).catch(() => undefined)
      : undefined;
  const params = mergeParams(
    {
      defaults: spec.params ?? {},
      profiles: spec.profiles ?? {},
      file: found?.path,
      notebook: notebook?.parameters,
    },
    overrides.profile,
    overrides.params ?? [],
    warnings,
  );
  const args = spec.args ?? [];
  if (kind === 'notebook' && args.length > 0) {
    warnings.push('`args` are ignored for a notebook entry; notebooks receive `params` instead');
  }

  const name = resolveName(overrides.name, spec.name, root);
  const job: Job = {
    name,
    root,
    configFile: found?.path,
    entry,
    kind,
    args,
    params,
    profile: overrides.profile,
    accelerator: resolveAccelerator(overrides, env, spec, user),
    requirements: resolveRequirements(root, spec.requirements),
    include: spec.include ?? [],
    exclude: spec.exclude ?? [],
    outputs: overrides.outputs ? checkGlobs(overrides.outputs, '--output') : (spec.outputs ?? []),
    timeoutSeconds: resolveTimeout(overrides.timeout, spec.timeout),
    datasets: spec.datasets ?? [],
    internet: spec.internet ?? user.internet ?? true,
    inputLayout: spec.input_layout ?? 'current',
    private: spec.private ?? user.private ?? true,
    platform: resolvePlatform(overrides, env, spec, user),
    endpoint: resolveEndpoint(overrides, env, user),
    python: overrides.python ?? readEnv('KAGGLE_RUN_PYTHON', env) ?? spec.python ?? user.python,
    ...(await resolveShipping(root, name, spec, overrides)),
    batch: resolveBatch(root, spec.batch),
    // Kept on the job so a sweep reads its spec once, with the job.
    ...(spec.sweep === undefined ? {} : { sweep: spec.sweep }),
    ...(spec.metrics === undefined ? {} : { metrics: spec.metrics }),
  };
  return { job, warnings };
}

/** The value, or the ConfigError to merge with others; any other failure is thrown. */
function settledOrCollect<T>(result: PromiseSettledResult<T>): T | ConfigError {
  if (result.status === 'fulfilled') return result.value;
  if (result.reason instanceof ConfigError) return result.reason;
  throw result.reason;
}

async function checkFolder(dir: string): Promise<string> {
  const full = resolve(dir);
  const info = await stat(full).catch(() => undefined);
  if (info === undefined) {
    throw new UsageError(`folder not found: ${full}`, { hint: 'pass the project folder' });
  }
  if (!info.isDirectory()) {
    throw new UsageError(`${full} is not a folder`, {
      hint: `pass the project folder, and the file with --entry (e.g. --entry ${basename(full)})`,
    });
  }
  return full;
}

async function resolveEntry(
  root: string,
  start: string,
  fromFile: string | undefined,
  fromFlag: string | undefined,
  configFile: string | undefined,
): Promise<string> {
  if (fromFlag !== undefined) {
    const problem = await entryProblem(root, fromFlag);
    if (problem !== undefined) {
      throw new UsageError(`--entry: ${problem}`, {
        hint: `--entry is relative to the project root ${root}`,
      });
    }
    return toPosix(relative(root, resolve(root, fromFlag)));
  }
  if (fromFile !== undefined) return toPosix(relative(root, resolve(root, fromFile)));
  if (configFile !== undefined) {
    throw new UsageError(`${configFile} names no entry`, {
      hint: 'add `entry: train.py` (the script or notebook to run) or pass --entry',
    });
  }
  throw new UsageError(
    `no kaggle-run.yaml or [tool.kaggle-run] in pyproject.toml in ${start} or any folder above it`,
    { hint: 'run `kaggle-run init` to write one, or pass --entry train.py' },
  );
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

function resolveName(fromFlag: string | undefined, fromFile: string | undefined, root: string) {
  if (fromFlag !== undefined) return checkName(fromFlag, '--name');
  if (fromFile !== undefined) return fromFile;
  return checkName(basename(root), `the folder name of ${root}`);
}

function resolveAccelerator(
  overrides: JobOverrides,
  env: NodeJS.ProcessEnv,
  spec: SpecFile,
  user: UserConfig,
): Job['accelerator'] {
  if (overrides.accelerator !== undefined) {
    return checkAccelerator(overrides.accelerator, '--accelerator');
  }
  const fromEnv = readEnv('KAGGLE_RUN_ACCELERATOR', env);
  if (fromEnv !== undefined) return checkAccelerator(fromEnv, 'KAGGLE_RUN_ACCELERATOR');
  return spec.accelerator ?? user.accelerator ?? 'none';
}

function resolvePlatform(
  overrides: JobOverrides,
  env: NodeJS.ProcessEnv,
  spec: SpecFile,
  user: UserConfig,
): Job['platform'] {
  if (overrides.platform !== undefined) return checkPlatform(overrides.platform, '--platform');
  const fromEnv = readEnv('KAGGLE_RUN_PLATFORM', env);
  if (fromEnv !== undefined) return checkPlatform(fromEnv, 'KAGGLE_RUN_PLATFORM');
  return spec.platform ?? user.platform ?? 'local';
}

function resolveEndpoint(
  overrides: JobOverrides,
  env: NodeJS.ProcessEnv,
  user: UserConfig,
): string | undefined {
  if (overrides.endpoint !== undefined) return checkEndpoint(overrides.endpoint, '--endpoint');
  const fromEnv = readEnv('KAGGLE_RUN_ENDPOINT', env);
  if (fromEnv !== undefined) return checkEndpoint(fromEnv, 'KAGGLE_RUN_ENDPOINT');
  return user.endpoint;
}

function resolveRequirements(root: string, value: SpecFile['requirements']): Job['requirements'] {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { file: toPosix(relative(root, resolve(root, value))) };
  const packages = value.map((line) => line.trim());
  return packages.length > 0 ? { packages } : undefined;
}

function resolveTimeout(fromFlag: string | undefined, fromFile: number | undefined): number {
  if (fromFlag === undefined) return fromFile ?? maxTimeoutSeconds;
  return checkDuration(fromFlag, '--timeout');
}
