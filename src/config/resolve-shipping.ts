// The shipping part of a Job (code mode, git, data, attached sources, secrets, env file,
// image) from the spec and the flags. Paths are checked here, so a missing data folder fails
// before anything is packed or uploaded.

import { stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import type { DataMapping, Job } from '../job.js';
import { slugify } from '../util/slug.js';
import type { SpecFile } from './schema.js';
import { codeModes } from './shipping-schema.js';
import type { CodeMode } from './shipping-schema.js';

export interface ShippingOverrides {
  /** `--code MODE`. */
  code?: string;
  /** `--git-commit`. */
  gitCommit?: boolean;
}

type Shipping = Pick<
  Job,
  'code' | 'git' | 'data' | 'competitions' | 'models' | 'kernels' | 'secrets' | 'envFile' | 'image'
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
    data: await resolveData(root, name, spec.data),
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
  };
}

/** The git token secret is loaded like any other secret, so the harness can clone with it. */
function tokenSecret(spec: SpecFile): string[] {
  return spec.git?.token_secret === undefined ? [] : [spec.git.token_secret];
}

/** The default slug of a data path: `<job>-<file or folder name>`, within Kaggle's 50. */
export function defaultDataSlug(jobName: string, path: string): string {
  const slug = slugify(`${jobName}-${basename(path).replace(/\.[^.]+$/, '')}`);
  return slug.slice(0, 50).replace(/-+$/, '');
}

async function resolveData(
  root: string,
  name: string,
  data: SpecFile['data'],
): Promise<DataMapping[]> {
  if (data === undefined) return [];
  const entries: [string, string][] = Array.isArray(data)
    ? data.map((path) => [defaultDataSlug(name, path), path])
    : Object.entries(data);
  const mappings: DataMapping[] = [];
  const seen = new Map<string, string>();
  for (const [slug, path] of entries) {
    const other = seen.get(slug);
    if (other !== undefined) {
      throw new UsageError(`data: ${other} and ${path} both ship as dataset ${slug}`, {
        hint: 'name the datasets yourself: data: {slug-one: path1, slug-two: path2}',
      });
    }
    seen.set(slug, path);
    mappings.push({ slug, path: await existingPath(root, path, `data.${slug}`, 'any') });
  }
  return mappings;
}

/** The path relative to root (POSIX), after checking it exists inside the project. */
async function existingPath(
  root: string,
  path: string,
  where: string,
  kind: 'file' | 'any',
): Promise<string> {
  const full = resolve(root, path);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new UsageError(`${where}: ${path} is not inside the project ${root}`, {
      hint: 'ship files from inside the project folder',
    });
  }
  const info = await stat(full).catch(() => undefined);
  if (info === undefined || (kind === 'file' && !info.isFile())) {
    throw new UsageError(`${where}: ${kind === 'file' ? 'file' : 'path'} not found: ${full}`, {
      hint: `the path is relative to the project root ${root}`,
    });
  }
  return rel.split(sep).join('/');
}
