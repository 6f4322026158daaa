// A sandboxed spare's folders become the session's: what the session already holds in its
// folders (the server writes the secrets module into src/ first) moves into the spare's,
// then each spare folder is renamed into the session's place. Renames within one file
// system: the sandbox waiting on the spare's bind mounts sees the session's files, and the
// host sees the session's folders where it always does.

import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SPARE_FOLDERS } from './spare-pool.js';

export async function adoptSpareFolders(spareFolders: string, sessionDir: string): Promise<void> {
  for (const name of SPARE_FOLDERS) {
    const from = join(spareFolders, name);
    const to = join(sessionDir, name);
    const entries = await readdir(to).catch(() => [] as string[]);
    for (const entry of entries) await rename(join(to, entry), join(from, entry));
    // rename(2) replaces an empty folder.
    await rename(from, to);
  }
  await rm(spareFolders, { recursive: true, force: true });
}
