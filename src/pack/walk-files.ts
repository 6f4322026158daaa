import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { relativeInside } from '../util/safe-path.js';

/** Folders no walk enters: git's metadata and kaggle-run's own run store. */
const neverEntered = new Set(['.git', '.kaggle-run']);

/** The rules of one .gitignore and the folder (relative to the root) it sits in. */
interface IgnoreLevel {
  base: string;
  rules: Ignore;
}

async function readIgnoreFile(path: string): Promise<Ignore | undefined> {
  try {
    return ignore().add(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

// Git's precedence: the deepest .gitignore that has an opinion decides, and within one file
// the last matching rule wins (which `ignore` implements). Folders get a trailing slash so
// that `build/` patterns match them.
function isIgnored(levels: readonly IgnoreLevel[], relPath: string, isDir: boolean): boolean {
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i];
    if (level === undefined) continue;
    const local = level.base === '' ? relPath : relPath.slice(level.base.length + 1);
    const result = level.rules.test(isDir ? `${local}/` : local);
    if (result.ignored) return true;
    if (result.unignored) return false;
  }
  return false;
}

function isInside(realRoot: string, target: string): boolean {
  return target === realRoot || relativeInside(realRoot, target) !== undefined;
}

function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/**
 * Every non-folder entry under `root` (files, symlinks, others: the caller sorts them out)
 * that the .gitignore files at every level leave in, as POSIX paths relative to `root`.
 * An ignored folder is not entered, as git does.
 */
export async function walkGitignored(root: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string, levels: readonly IgnoreLevel[]): Promise<void> {
    const abs = join(root, dir);
    const rules = await readIgnoreFile(join(abs, '.gitignore'));
    const here = rules === undefined ? levels : [...levels, { base: dir, rules }];
    const entries = await readdir(abs, { withFileTypes: true });
    for (const entry of entries) {
      if (neverEntered.has(entry.name)) continue;
      const rel = joinRel(dir, entry.name);
      if (entry.isDirectory()) {
        if (isIgnored(here, rel, true)) continue;
        await walk(rel, here);
      } else if (!isIgnored(here, rel, false)) {
        found.push(rel);
      }
    }
  }
  await walk('', []);
  return found;
}

/**
 * Every non-folder entry under `base` (relative to `root`; a file when it names one),
 * ignore rules aside: what the spec's `include` globs choose from.
 */
export async function walkAll(root: string, base: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
      if (neverEntered.has(entry.name)) continue;
      const rel = joinRel(dir, entry.name);
      if (entry.isDirectory()) await walk(rel);
      else found.push(rel);
    }
  }
  if (base === '') {
    await walk('');
    return found;
  }
  // The base of an include glob may name a file, a link or nothing at all. lstat, not stat:
  // a link to a folder is handed back as is, never walked into (it may lead outside).
  const stats = await lstat(join(root, base)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  if (stats === undefined) return found;
  // A folder reached through a symlinked folder on the way (`etc/ssh` with `etc -> /etc`)
  // is not walked when it lies outside the root: the base alone goes back, for the caller
  // to report, rather than every file of a system folder.
  if (stats.isDirectory() && isInside(await realpath(root), await realpath(join(root, base)))) {
    await walk(base);
  } else {
    found.push(base);
  }
  return found;
}
