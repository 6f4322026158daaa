// The shipping part of a Job (code mode, git, data, attached sources, secrets, env file,
// image) from the spec and the flags. Paths are checked here, so a missing data folder fails
// before anything is packed or uploaded.

import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { DataMapping, Job } from '../job.js';
import { limitedSlug, slugify } from '../util/slug.js';
import type { SpecFile } from './schema.js';
import { codeModes, dataSlugPattern } from './shipping-schema.js';
import type { CodeMode } from './shipping-schema.js';
import { relativeInside } from '../util/safe-path.js';

export interface ShippingOverrides {
  /** `--code MODE`. */
  code?: string;
  /** `--git-commit`. */
  gitCommit?: boolean;
  /**
   * `--data SLUG=PATH` (repeatable): data attached for this run only, over the spec's entry
   * of the same slug. PATH is relative to the project root unless absolute, and may lie
   * outside the project (it was named on purpose).
   */
  data?: string[];
}

type Shipping = Pick<
  Job,
  | 'code'
  | 'git'
  | 'data'
  | 'competitions'
  | 'models'
  | 'kernels'
  | 'secrets'
  | 'envFile'
  | 'image'
  | 'codeInPlace'
>;

export function checkCodeMode(value: string, from: string): CodeMode {
  const mode = value.trim().toLowerCase();
  const known = codeModes.find((m) => m === mode);
  if (known !== undefined) return known;
  throw new UsageError(`${from}: unknown code mode ${JSON.stringify(value)}`, {
    hint: 'use auto (inline when small, else a dataset), inline, dataset or git',
  });
}

export async function resolveShipping(
  root: string,
  name: string,
  spec: SpecFile,
  overrides: ShippingOverrides,
): Promise<Shipping> {
  let code = overrides.code !== undefined ? checkCodeMode(overrides.code, '--code') : spec.code;
  if (overrides.gitCommit === true) {
    if (code !== undefined && code !== 'git') {
      throw new UsageError(`--git-commit goes with code mode git, not ${code}`, {
        hint: 'drop --git-commit, or use --code git',
      });
    }
    code = 'git';
  }
  const envFile =
    spec.env_file === undefined
      ? undefined
      : typeof spec.env_file === 'string'
        ? { path: spec.env_file, vars: undefined }
        : { path: spec.env_file.path, vars: spec.env_file.vars };
  if (envFile !== undefined) {
    envFile.path = await existingPath(root, envFile.path, 'env_file', 'file');
  }
  return {
    code: code ?? 'auto',
    git: {
      remote: spec.git?.remote ?? 'origin',
      tokenSecret: spec.git?.token_secret,
      commit: overrides.gitCommit === true,
    },
    data: mergeFlagData(
      await resolveData(root, name, spec.data),
      await flagData(root, overrides.data),
    ),
    competitions: spec.competitions ?? [],
    models: spec.models ?? [],
    kernels: spec.kernels ?? [],
    secrets: [...new Set([...(spec.secrets ?? []), ...tokenSecret(spec)])],
    envFile,
    image:
      spec.image === undefined
        ? undefined
        : spec.image === 'original' || spec.image === 'latest'
          ? { pinning: spec.image }
          : { image: spec.image.trim() },
    codeInPlace: spec.code_in_place ?? true,
  };
}

/** The git token secret is loaded like any other secret, so the harness can clone with it. */
function tokenSecret(spec: SpecFile): string[] {
  return spec.git?.token_secret === undefined ? [] : [spec.git.token_secret];
}

/** The default slug of a data path: `<job>-<file or folder name>`, within Kaggle's 50. */
export function defaultDataSlug(jobName: string, path: string): string {
  return limitedSlug(slugify(`${jobName}-${basename(path).replace(/\.[^.]+$/, '')}`));
}

async function resolveData(
  root: string,
  name: string,
  data: SpecFile['data'],
): Promise<DataMapping[]> {
  if (data === undefined) return [];
  const entries: [string, string, boolean][] = Array.isArray(data)
    ? data.map((path) => [defaultDataSlug(name, path), path, false])
    : Object.entries(data).map(([slug, entry]) =>
        typeof entry === 'string'
          ? [slug, entry, false]
          : [slug, entry.path, entry.optional === true],
      );
  const mappings: DataMapping[] = [];
  const seen = new Map<string, string>();
  for (const [slug, path, optional] of entries) {
    const other = seen.get(slug);
    if (other !== undefined) {
      throw new UsageError(`data: ${other} and ${path} both ship as dataset ${slug}`, {
        hint: 'name the datasets yourself: data: {slug-one: path1, slug-two: path2}',
      });
    }
    seen.set(slug, path);
    mappings.push(
      optional
        ? { slug, path: insidePath(root, path, `data.${slug}`), optional: true }
        : { slug, path: await existingPath(root, path, `data.${slug}`, 'any') },
    );
  }
  return mappings;
}

/** `--data SLUG=PATH` flags, each checked: a dataset slug, a path that exists. */
async function flagData(root: string, flags: string[] | undefined): Promise<DataMapping[]> {
  const mappings: DataMapping[] = [];
  for (const flag of flags ?? []) {
    const eq = flag.indexOf('=');
    const slug = eq < 0 ? '' : flag.slice(0, eq).trim();
    const path = eq < 0 ? '' : flag.slice(eq + 1);
    if (!dataSlugPattern.test(slug) || path.trim() === '') {
      throw new UsageError(`--data ${JSON.stringify(flag)}: expected SLUG=PATH`, {
        hint: 'SLUG: 3 to 50 lower-case letters, digits and - (the folder under /kaggle/input/), e.g. --data voice-ref=refs/ryan.wav',
      });
    }
    const full = resolve(root, path);
    if ((await stat(full).catch(() => undefined)) === undefined) {
      throw new UsageError(`--data ${slug}: path not found: ${full}`, {
        hint: 'a relative path is taken from the current folder',
      });
    }
    mappings.push({ slug, path: full });
  }
  return mappings;
}

/** The spec's data, each slug a flag names replaced by the flag's path (this run only). */
function mergeFlagData(spec: DataMapping[], flags: DataMapping[]): DataMapping[] {
  const bySlug = new Map(spec.map((m) => [m.slug, m]));
  for (const flag of flags) bySlug.set(flag.slug, flag);
  return [...bySlug.values()];
}

/** The path relative to root (POSIX), after checking it is inside the project. */
function insidePath(root: string, path: string, where: string): string {
  const rel = relativeInside(root, path);
  if (rel === undefined) {
    throw new UsageError(`${where}: ${path} is not inside the project ${root}`, {
      hint: 'ship files from inside the project folder',
    });
  }
  return rel;
}

/** The path relative to root (POSIX), after checking it exists inside the project. */
async function existingPath(
  root: string,
  path: string,
  where: string,
  kind: 'file' | 'any',
): Promise<string> {
  const rel = insidePath(root, path, where);
  const full = resolve(root, rel);
  const info = await stat(full).catch(() => undefined);
  if (info === undefined || (kind === 'file' && !info.isFile())) {
    throw new UsageError(`${where}: ${kind === 'file' ? 'file' : 'path'} not found: ${full}`, {
      hint: `the path is relative to the project root ${root}`,
    });
  }
  return rel;
}
