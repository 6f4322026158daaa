import { dirname, resolve } from 'node:path';
import { findProjectFile } from '../config/find-project-file.js';
import { RunStore } from '../store/run-store.js';
import type { CliIo } from './io.js';

/** The run store of the project around `dir` (the folder holding its config, else `dir`). */
export async function storeFor(dir: string | undefined, io: CliIo): Promise<RunStore> {
  const start = resolve(io.cwd, dir ?? '.');
  const found = await findProjectFile(start);
  return new RunStore(found === undefined ? start : dirname(found.path), io.env);
}
