// Finds the job's config file by walking up from the given folder. The first folder holding
// kaggle-run.yaml, kaggle-run.yml or a pyproject.toml with [tool.kaggle-run] is the job root.

import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hasKaggleRunSection } from './toml-source.js';

export const yamlNames = ['kaggle-run.yaml', 'kaggle-run.yml'] as const;

export interface ProjectFile {
  path: string;
  kind: 'yaml' | 'pyproject';
}

export interface LocatedProjectFile extends ProjectFile {
  /** Other config files in the same folder that lose to `path`, for a warning. */
  ignored: string[];
}

export async function findProjectFile(dir: string): Promise<ProjectFile | undefined> {
  const found = await locateProjectFile(dir);
  return found && { path: found.path, kind: found.kind };
}

export async function locateProjectFile(dir: string): Promise<LocatedProjectFile | undefined> {
  for (let folder = dir; ; folder = dirname(folder)) {
    const yamls: string[] = [];
    for (const name of yamlNames) {
      if (await isFile(join(folder, name))) yamls.push(join(folder, name));
    }
    const pyproject = join(folder, 'pyproject.toml');
    const hasSection =
      (await isFile(pyproject)) && hasKaggleRunSection(await readFile(pyproject, 'utf8'));
    const [first, ...rest] = yamls;
    if (first !== undefined) {
      return { path: first, kind: 'yaml', ignored: hasSection ? [...rest, pyproject] : rest };
    }
    if (hasSection) return { path: pyproject, kind: 'pyproject', ignored: [] };
    if (dirname(folder) === folder) return undefined;
  }
}

async function isFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ?? false;
}
