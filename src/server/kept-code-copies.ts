// The working copies of unchanged code one session of a kernel keeps for the next, on a
// server without bubblewrap (there the code is copied, not run in place; the harness's
// code_recycle.py says why deleting and re-creating them slows every run). They live in
// the kernel's folder between sessions and are handed to a session by renaming, so two
// sessions of one kernel never share them: the first to start takes them, the other
// starts without.

import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

const POOL = 'kept-code';
const SESSION_FOLDER = 'kept-code';

/** Moves the kernel's kept copies to the session's folder (made empty where there are none). */
export async function handKeptCodeToSession(
  kernelDir: string,
  versionDir: string,
): Promise<string> {
  const folder = join(versionDir, SESSION_FOLDER);
  // The rename needs the version's folder, which nothing else may have made yet.
  await mkdir(versionDir, { recursive: true });
  try {
    await rename(join(kernelDir, POOL), folder);
  } catch {
    await mkdir(folder, { recursive: true }); // none kept yet, or another session has them
  }
  return folder;
}

/** Moves what the session kept back to the kernel, replacing an older set. */
export async function takeKeptCodeBack(kernelDir: string, versionDir: string): Promise<void> {
  const folder = join(versionDir, SESSION_FOLDER);
  const pool = join(kernelDir, POOL);
  try {
    await rename(folder, pool);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing kept
    // An older set is there (a session of this kernel ran beside this one): this one wins,
    // the older goes. A kernel deleted meanwhile: its folder is gone, and so is this one.
    await rm(pool, { recursive: true, force: true }).catch(() => undefined);
    await rename(folder, pool).catch(() => rm(folder, { recursive: true, force: true }));
  }
}
