import { resolve } from 'node:path';
import type { RunStore } from '../store/run-store.js';
import { storeForDir } from '../store/store-for-dir.js';
import type { CliIo } from './io.js';

/** The run store of the project around `dir` (default: the current folder). */
export function storeFor(dir: string | undefined, io: CliIo): Promise<RunStore> {
  return storeForDir(resolve(io.cwd, dir ?? '.'), io.env);
}
