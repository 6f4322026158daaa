// The harness's compiled modules, kept between local runs. A harness carries its modules as
// text (harness/bootstrap.py) and compiles each one it imports: ~45 ms of every local run's
// start, on its path, before the program. The first run with an interpreter hands the
// harness a file to write what it compiled into (marshal, behind the interpreter's magic
// number); later runs hand it that file to read. The harness takes a module from it only
// when the module's text is the same and the magic number is its own, so a stale or foreign
// file costs only the time it would have saved.
//
// The files travel as inherited descriptors (3: the kept file, when there is one; 4: a new
// one, written only where the kept one lacked something), named to the harness by
// KAGGLE_RUN_HARNESS_CODE ("read=3,write=4"), which it removes from its environment at once:
// the sandbox needs no mount for them and the program never sees them. What it writes
// replaces the kept file whole (a rename), so a run never reads one being written.

import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { userCacheFolder } from '../../util/user-cache.js';
import { stamp } from './probe-cache.js';

/** Files kept at most (one per interpreter and kaggle-run version); the oldest go first. */
const MAX_FILES = 16;

export interface HarnessCodeFiles {
  /** The open files, to pass as the child's descriptors from 3 on. */
  descriptors: number[];
  /** The variable that tells the harness which descriptor is which. */
  env: { KAGGLE_RUN_HARNESS_CODE: string };
  /** Once the harness has exited: keeps what it wrote, closes the files. Never throws. */
  settle(): Promise<void>;
}

/** The harness's text without the rendered header lines (settings, code) above it. */
function harnessBody(source: string): string {
  let at = 0;
  for (let line = 0; line < 3; line++) {
    const end = source.indexOf('\n', at);
    if (end === -1) return source;
    at = end + 1;
  }
  return source.slice(at);
}

export function harnessCodeFolder(env: NodeJS.ProcessEnv = process.env): string {
  return join(userCacheFolder(env), 'harness-code');
}

/**
 * The compiled-modules files for `source` run by `python`: the kept one to read, when there
 * is one, and a new one to write. Undefined where the cache folder cannot be used (a run
 * then compiles as before).
 */
export async function openHarnessCode(
  python: string,
  source: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HarnessCodeFiles | undefined> {
  const folder = harnessCodeFolder(env);
  const key = createHash('sha256')
    .update(`${python}\0${stamp(python)}\0`)
    .update(harnessBody(source))
    .digest('hex')
    .slice(0, 32);
  const final = join(folder, `${key}.marshal`);
  const temp = join(folder, `${key}.${randomUUID()}.tmp`);
  let written: FileHandle;
  try {
    await mkdir(folder, { recursive: true });
    written = await open(temp, 'wx', 0o600);
  } catch {
    return undefined;
  }
  // None yet, or unreadable: the harness writes one.
  const kept = await open(final, 'r').catch(() => undefined);
  const descriptors = kept === undefined ? [written.fd] : [kept.fd, written.fd];
  const first = 3;
  const names = kept === undefined ? [`write=${first}`] : [`read=${first}`, `write=${first + 1}`];
  return {
    descriptors,
    env: { KAGGLE_RUN_HARNESS_CODE: names.join(',') },
    settle: async () => {
      await kept?.close().catch(() => undefined);
      try {
        const size = (await written.stat()).size;
        await written.close();
        // Empty: the kept file had everything (or the harness failed before its modules).
        if (size === 0) await rm(temp, { force: true });
        else {
          await rename(temp, final);
          await prune(folder);
        }
      } catch {
        await written.close().catch(() => undefined);
        await rm(temp, { force: true }).catch(() => undefined);
      }
    },
  };
}

/** Keeps the newest MAX_FILES files; temp files a killed run left behind go too. */
async function prune(folder: string): Promise<void> {
  const names = await readdir(folder);
  const files = await Promise.all(
    names.map(async (name) => {
      const modified = await stat(join(folder, name)).then(
        (s) => s.mtimeMs,
        () => 0,
      );
      return { name, modified };
    }),
  );
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  const kept = files
    .filter((f) => f.name.endsWith('.marshal'))
    .sort((a, b) => b.modified - a.modified)
    .slice(0, MAX_FILES)
    .map((f) => f.name);
  await Promise.all(
    files
      .filter((f) => (f.name.endsWith('.tmp') ? f.modified < dayAgo : !kept.includes(f.name)))
      .map((f) => rm(join(folder, f.name), { force: true })),
  );
}
