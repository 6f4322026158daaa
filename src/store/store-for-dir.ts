import { dirname, resolve } from 'node:path';
import { findProjectFile } from '../config/find-project-file.js';
import { RunStore } from './run-store.js';

/** The run store of the project around `dir` (the folder holding its config, else `dir`). */
export async function storeForDir(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunStore> {
  const start = resolve(dir);
  const found = await findProjectFile(start);
  return new RunStore(found === undefined ? start : dirname(found.path), env);
}
