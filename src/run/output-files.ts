// `--output-file REMOTE=LOCAL`: one output put at an exact path of the host's choosing (the
// TTS host's `--output generated.wav`). The file comes back verified like every output,
// then is copied to LOCAL atomically; a run whose program did not write it fails.

import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { OutputRecord, RunRecord } from './record.js';

export interface OutputFile {
  /** POSIX path relative to the working folder, as the manifest names it. */
  path: string;
  /** Absolute local path the file is copied to. */
  dest: string;
}

/** Checks `{REMOTE: LOCAL}` (LOCAL relative to `cwd`) and returns it in record form. */
export function checkOutputFiles(files: Record<string, string>, cwd: string): OutputFile[] {
  return Object.entries(files).map(([remote, local]) => {
    const path = posix.normalize(remote.replaceAll('\\', '/'));
    if (remote.trim() === '' || isAbsolute(remote) || path === '.' || path.startsWith('../')) {
      throw new UsageError(
        `--output-file ${remote}=${local}: ${JSON.stringify(remote)} is not a path inside the working folder`,
        {
          hint: 'REMOTE is relative to the working folder, e.g. --output-file out/speech.wav=speech.wav',
        },
      );
    }
    if (local.trim() === '') {
      throw new UsageError(`--output-file ${remote}=: no local path`, {
        hint: 'e.g. --output-file out/speech.wav=./speech.wav',
      });
    }
    return { path, dest: resolve(cwd, local) };
  });
}

/** `REMOTE=LOCAL` flags as the map checkOutputFiles takes. */
export function parseOutputFileFlags(flags: string[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(`--output-file ${JSON.stringify(flag)}: expected REMOTE=LOCAL`, {
        hint: 'e.g. --output-file out/speech.wav=./speech.wav',
      });
    }
    files[flag.slice(0, eq)] = flag.slice(eq + 1);
  }
  return files;
}

/**
 * Copies each fetched output file to its local path (temp file + rename, so a reader never
 * sees half of it) and returns the ones the run did not bring back.
 */
export async function placeOutputFiles(
  record: RunRecord,
  outputs: OutputRecord[],
): Promise<OutputFile[]> {
  const missing: OutputFile[] = [];
  for (const file of record.outputFiles ?? []) {
    if (!outputs.some((o) => o.path === file.path)) {
      missing.push(file);
      continue;
    }
    await mkdir(dirname(file.dest), { recursive: true });
    const temp = join(
      dirname(file.dest),
      `.${basename(file.dest)}.kaggle-run-${randomBytes(4).toString('hex')}.partial`,
    );
    try {
      await copyFile(join(record.outputDir, file.path), temp);
      await rename(temp, file.dest);
    } finally {
      await rm(temp, { force: true });
    }
  }
  return missing;
}
