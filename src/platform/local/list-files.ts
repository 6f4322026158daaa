import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Every regular file under `dir`, as sorted POSIX paths relative to it; links are skipped. */
export async function listRegularFiles(dir: string): Promise<{ path: string; absolute: string }[]> {
  const found: { path: string; absolute: string }[] = [];
  async function walk(absolute: string, relative: string): Promise<void> {
    for (const entry of await readdir(absolute, { withFileTypes: true })) {
      const abs = join(absolute, entry.name);
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(abs, rel);
      else if (entry.isFile()) found.push({ path: rel, absolute: abs });
    }
  }
  await walk(dir, '');
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
