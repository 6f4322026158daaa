// Competitions and models the server can attach, seeded as plain folders (nothing is created
// through the API), in the data folder and in the optional --seed-dir, with the same layout:
//
//   <root>/competitions/<slug>/...                                    competitionDataSources: "<slug>"
//   <root>/models/<owner>/<model>/<framework>/<variation>/<version>/... modelDataSources:
//                                                                      "owner/model/framework/variation[/version]"
//
// Folders are read when a push names them, so a folder copied in while the server runs counts.
// The data folder wins over the seed folder when both hold the same source.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** One path segment of a ref: no separators, nothing hidden, no `..`. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface ModelRef {
  owner: string;
  model: string;
  /** Lower case, as Kaggle mounts it (`PyTorch` is mounted as `pytorch`). */
  framework: string;
  variation: string;
  version?: number | undefined;
}

/** Splits `owner/model/framework/variation[/version]`; undefined when it is not one. */
export function parseModelRef(ref: string): ModelRef | undefined {
  const parts = ref.split('/');
  if (parts.length !== 4 && parts.length !== 5) return undefined;
  const [owner = '', model = '', framework = '', variation = '', version] = parts;
  if (![owner, model, framework, variation].every((p) => SEGMENT.test(p))) return undefined;
  if (version !== undefined && !/^\d+$/.test(version)) return undefined;
  return {
    owner,
    model,
    framework: framework.toLowerCase(),
    variation,
    ...(version === undefined ? {} : { version: Number(version) }),
  };
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

export class SeededSources {
  private readonly roots: string[];

  constructor(dataDir: string, seedDir?: string) {
    this.roots = seedDir === undefined ? [dataDir] : [dataDir, seedDir];
  }

  /** The folder of competition `slug`, or undefined when no root has it. */
  async competition(slug: string): Promise<string | undefined> {
    if (!SEGMENT.test(slug)) return undefined;
    for (const root of this.roots) {
      const folder = join(root, 'competitions', slug);
      if (await isFolder(folder)) return folder;
    }
    return undefined;
  }

  /**
   * The folder of a model variation's version (the highest numbered one when the ref names
   * none) and that version, or undefined when no root has it.
   */
  async model(ref: ModelRef): Promise<{ folder: string; version: number } | undefined> {
    for (const root of this.roots) {
      const variation = join(root, 'models', ref.owner, ref.model, ref.framework, ref.variation);
      if (ref.version !== undefined) {
        const folder = join(variation, String(ref.version));
        if (await isFolder(folder)) return { folder, version: ref.version };
        continue;
      }
      const versions = (await readdir(variation).catch(() => []))
        .filter((name) => /^\d+$/.test(name))
        .map(Number)
        .sort((a, b) => b - a);
      for (const version of versions) {
        const folder = join(variation, String(version));
        if (await isFolder(folder)) return { folder, version };
      }
    }
    return undefined;
  }

  /**
   * The seeded framework folder of `owner/model` that `framework` names, in any of the
   * spellings clients use: the enum name (`MODEL_FRAMEWORK_PY_TORCH`), the camel case of the
   * web URLs (`pyTorch`, `tensorFlow2`) or the folder's own name (`pytorch`).
   */
  async modelFramework(
    owner: string,
    model: string,
    framework: string,
  ): Promise<string | undefined> {
    if (![owner, model].every((p) => SEGMENT.test(p))) return undefined;
    const wanted = frameworkKey(framework);
    for (const root of this.roots) {
      const names = await readdir(join(root, 'models', owner, model)).catch(() => []);
      const found = names.find((name) => SEGMENT.test(name) && frameworkKey(name) === wanted);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

/** `MODEL_FRAMEWORK_PY_TORCH`, `pyTorch`, `PyTorch` and `pytorch` all compare as `pytorch`. */
export function frameworkKey(name: string): string {
  return name
    .replace(/^MODEL_FRAMEWORK_/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}
