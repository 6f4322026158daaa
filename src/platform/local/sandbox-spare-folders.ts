// A sandboxed spare's folders become the session's: what the session already holds in its
// folders (the server writes the secrets module into src/ first) moves into the spare's,
// then each spare folder is renamed into the session's place. Renames within one file
// system: the sandbox waiting on the spare's bind mounts sees the session's files, and the
// host sees the session's folders where it always does.

import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { allSettledOrThrow } from '../../util/all-settled.js';
import { SPARE_FOLDERS } from './spare-pool.js';

export async function adoptSpareFolders(spareFolders: string, sessionDir: string): Promise<void> {
  // The folders at once, and each one's entries at once: a session waits on these, and a
  // dozen renames one after another through the thread pool cost 10-30 ms on a busy machine.
  // A failure is thrown once every rename has settled, so no clean-up races one still running.
  await allSettledOrThrow(
    SPARE_FOLDERS.map(async (name) => {
      const from = join(spareFolders, name);
      const to = join(sessionDir, name);
      const entries = await readdir(to).catch(() => [] as string[]);
      await allSettledOrThrow(entries.map((entry) => rename(join(to, entry), join(from, entry))));
      // rename(2) replaces an empty folder.
      await rename(from, to);
    }),
  );
  await rm(spareFolders, { recursive: true, force: true });
}
