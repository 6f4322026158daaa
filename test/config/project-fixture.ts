// Real temp project folders for the config tests, and an env whose HOME is a temp folder so
// that no test reads the real user config.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { tempDir } from '../helpers/temp.js';

/** Writes `files` (path -> content) under a fresh temp folder; returns the folder. */
export async function project(t: TestContext, files: Record<string, string>): Promise<string> {
  const dir = join(await tempDir(t, 'kaggle-run-config-'), 'my-project');
  await mkdir(dir, { recursive: true });
  await writeFiles(dir, files);
  return dir;
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** An env with a private empty HOME (and no XDG_CONFIG_HOME) plus `extra`. */
export async function isolatedEnv(
  t: TestContext,
  extra: Record<string, string> = {},
): Promise<NodeJS.ProcessEnv> {
  const home = await tempDir(t, 'kaggle-run-home-');
  return { HOME: home, PATH: process.env.PATH, ...extra };
}
