// Unpacks a downloaded zip (a whole dataset, `--unzip`) into a folder: every entry written
// through a temp file and renamed, no entry outside the folder (yauzl refuses absolute and
// `..` names), each capped at the size its header declares (yauzl checks it as it inflates).

import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { resolveInside } from '../util/safe-path.js';

/** The paths written, in the zip's order. */
export async function extractZip(zipPath: string, destDir: string): Promise<string[]> {
  const zip = await yauzl.openPromise(zipPath, { strictFileNames: true, validateEntrySizes: true });
  const written: string[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue; // a folder entry: made with its files
      const target = resolveInside(destDir, entry.fileName);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.part`;
      try {
        await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(temp));
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      written.push(target);
    }
  } finally {
    zip.close();
  }
  return written;
}
