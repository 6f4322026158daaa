// Reads and validates the project file found by find-project-file.ts.

import { ConfigError, UsageError, errorMessage } from '../errors.js';
import type { ProjectFile } from './find-project-file.js';
import type { SpecFile } from './schema.js';
import type { ConfigSource } from './source.js';
import { readConfigFile } from './read-config-file.js';
import { readPyprojectSource } from './toml-source.js';
import { validateSpec } from './validate.js';
import type { SpecCheckOptions } from './validate.js';
import { readYamlSource } from './yaml-source.js';

export async function readProjectSource(found: ProjectFile): Promise<ConfigSource> {
  let text: string;
  try {
    text = await readConfigFile(found.path);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new UsageError(`cannot read ${found.path}: ${errorMessage(error)}`, { cause: error });
  }
  return found.kind === 'yaml'
    ? readYamlSource(found.path, text)
    : readPyprojectSource(found.path, text);
}

/** The validated spec of a project file; ConfigError carrying every problem otherwise. */
export async function loadProjectSpec(
  found: ProjectFile,
  options: SpecCheckOptions,
): Promise<SpecFile> {
  const result = await validateSpec(await readProjectSource(found), options);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.value;
}
