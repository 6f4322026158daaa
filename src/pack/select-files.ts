import { lstatSync, type Stats } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import ignore from 'ignore';
import { UsageError } from '../errors.js';
import { gitListFiles, isGitWorkTree } from './git-files.js';
import { compileGlobs } from './globs.js';
import { contentSecretReason, environmentSecrets } from './secret-content.js';
import { secretReason } from './secrets.js';
import { sortByUtf8 } from './utf8-order.js';
import { walkAll, walkGitignored } from './walk-files.js';
import { relativeInside } from '../util/safe-path.js';

export interface SelectRules {
  include: string[];
  exclude: string[];
}

export interface ExcludedFile {
  path: string;
  reason: string;
}

/** A file to pack: its name in the zip and where its bytes are read from. */
export interface PackEntry {
  /** POSIX path relative to the root: the zip entry name. */
  path: string;
  /** The file read: the path itself, or a symlink's target inside the root. */
  source: string;
  size: number;
  executable: boolean;
  /** What says the bytes are unchanged since the last pack (see pack-cache.ts). */
  stamp: string;
}

export interface Selection {
  entries: PackEntry[];
  excluded: ExcludedFile[];
  /** Whether the listing came from git (true) or from walking .gitignore files (false). */
  git: boolean;
}

// Run-store and git internals are dropped without a word: listing them would be noise.
function isInternal(relPath: string): boolean {
  return relPath.split('/').some((p) => p === '.git' || p === '.kaggle-run');
}

async function readKaggleIgnore(root: string): Promise<(relPath: string) => boolean> {
  const text = await readFile(join(root, '.kaggleignore'), 'utf8').catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    },
  );
  if (text === undefined) return () => false;
  const rules = ignore().add(text);
  return (relPath) => rules.ignores(relPath);
}

async function projectRoot(root: string): Promise<string> {
  const stats = await stat(root).catch(() => undefined);
  if (stats === undefined || !stats.isDirectory()) {
    throw new UsageError(`project folder not found: ${root}`, {
      hint: 'run from the project folder or pass its path',
    });
  }
  return realpath(root);
}

/** The file names chosen by the listing, ignore files and the spec's globs, unsorted. */
async function candidatePaths(root: string, rules: SelectRules, git: boolean): Promise<string[]> {
  const exclude = compileGlobs(rules.exclude, 'exclude');
  const include = compileGlobs(rules.include, 'include');
  const kaggleIgnored = await readKaggleIgnore(root);
  const listed = git ? await gitListFiles(root) : await walkGitignored(root);
  const chosen = new Set(
    listed.filter((p) => !isInternal(p) && !kaggleIgnored(p) && !exclude.matches(p)),
  );
  // `include` adds files back from under the folders its globs can reach, ignored or not;
  // `exclude` still wins over it.
  if (rules.include.length > 0) {
    for (const base of include.bases) {
      for (const p of await walkAll(root, base)) {
        if (include.matches(p) && !exclude.matches(p)) chosen.add(p);
      }
    }
  }
  return [...chosen];
}

type Outcome =
  | { kind: 'file'; entry: PackEntry }
  | { kind: 'excluded'; path: string; reason: string }
  | { kind: 'folder'; path: string }
  | undefined;

function leftOut(path: string, reason: string): Outcome {
  return { kind: 'excluded', path, reason };
}

function isInside(realRoot: string, target: string): boolean {
  return relativeInside(realRoot, target) !== undefined;
}

function relativePosix(realRoot: string, target: string): string {
  return relative(realRoot, target).split(sep).join('/');
}

/** What one pack's classification shares: the root, and what it learnt on the way. */
interface Context {
  realRoot: string;
  skip: ReadonlySet<string>;
  /** Files the environment places inside the project that hold secrets (HF_HOME/token). */
  environment: ReadonlyMap<string, string>;
  /** Each folder's real path, asked once: most files share a folder. */
  folders: Map<string, Promise<string | undefined>>;
}

function realFolder(ctx: Context, folder: string): Promise<string | undefined> {
  let found = ctx.folders.get(folder);
  if (found === undefined) {
    found = realpath(join(ctx.realRoot, folder)).catch(() => undefined);
    ctx.folders.set(folder, found);
  }
  return found;
}

/** Why the file whose bytes are at `abs` (`rel` inside the root) never ships, if it does not. */
async function secretOf(
  ctx: Context,
  rel: string,
  abs: string,
  size: number,
): Promise<string | undefined> {
  return (
    secretReason(rel) ?? ctx.environment.get(rel) ?? (await contentSecretReason(rel, abs, size))
  );
}

// What a symlink packs as: its target's content when that is a file inside the root.
async function followLink(ctx: Context, path: string, abs: string): Promise<Outcome> {
  let target: string;
  try {
    target = await realpath(abs);
  } catch {
    return leftOut(path, 'dangling symlink (its target does not exist)');
  }
  if (!isInside(ctx.realRoot, target)) {
    return leftOut(path, 'symlink points outside the project folder');
  }
  const targetRel = relativePosix(ctx.realRoot, target);
  const stats = await stat(target);
  if (stats.isDirectory()) return leftOut(path, 'symlink to a folder is not followed');
  if (!stats.isFile()) return undefined;
  const secret = await secretOf(ctx, targetRel, target, stats.size);
  if (secret !== undefined) return leftOut(path, `symlink to ${targetRel}: ${secret}`);
  return entryOf(path, target, stats);
}

function entryOf(path: string, source: string, stats: Stats): Outcome {
  // Only the owner's execute bit counts, as in git: umask never changes the result.
  const executable = (stats.mode & 0o100) !== 0;
  // ctime changes on every write and cannot be set back by tools that restore mtimes.
  const stamp = `${stats.ino}:${stats.mtimeMs}:${stats.ctimeMs}`;
  return { kind: 'file', entry: { path, source, size: stats.size, executable, stamp } };
}

/**
 * Where the folder holding `path` really is, when a symlinked folder on the way leads
 * elsewhere: `include: [etc/passwd]` with `etc -> /etc` must not reach /etc/passwd.
 * Undefined when the folder is where its name says.
 */
async function detour(ctx: Context, path: string): Promise<string | undefined> {
  const slash = path.lastIndexOf('/');
  if (slash < 0) return undefined;
  const folder = path.slice(0, slash);
  const real = await realFolder(ctx, folder);
  const expected = join(ctx.realRoot, folder);
  return real === undefined || real === expected ? undefined : real;
}

async function classify(ctx: Context, path: string): Promise<Outcome> {
  const named = secretReason(path) ?? ctx.environment.get(path);
  if (named !== undefined) return leftOut(path, named);
  const abs = join(ctx.realRoot, path);
  if (ctx.skip.has(abs)) return undefined;
  if (path.includes('\\')) {
    return leftOut(path, 'file name holds a backslash, which zip reads as a folder separator');
  }
  const realParent = await detour(ctx, path);
  if (realParent !== undefined && !isInside(ctx.realRoot, realParent)) {
    return leftOut(path, 'reached through a symlinked folder that points outside the project');
  }
  // Synchronous: an lstat takes microseconds, and 10,000 thread-pool round trips cost more
  // than the calls themselves (far more on a loaded machine, where each waits its turn).
  let stats: Stats | undefined;
  try {
    stats = lstatSync(abs, { throwIfNoEntry: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
  }
  // Tracked in git but deleted from disk: nothing to ship, nothing to say.
  if (stats === undefined) return undefined;
  if (stats.isSymbolicLink()) return followLink(ctx, path, abs);
  if (stats.isDirectory()) return { kind: 'folder', path };
  if (!stats.isFile()) return undefined; // sockets, fifos, devices
  // Through a symlinked folder inside the root: the file is judged by where it really is.
  const realRel =
    realParent === undefined ? path : relativePosix(ctx.realRoot, join(realParent, basename(abs)));
  // Its name was judged above: only a file reached under another name is judged again.
  const secret =
    realRel === path
      ? await contentSecretReason(path, abs, stats.size)
      : await secretOf(ctx, realRel, abs, stats.size);
  if (secret !== undefined) {
    return leftOut(path, realRel === path ? secret : `reached as ${realRel}: ${secret}`);
  }
  return entryOf(path, abs, stats);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Chooses the files to pack from `root`, with what packing needs to know about each.
 * `skip` holds absolute paths never to pack (the zip being written, when it lies inside).
 */
export async function collectFiles(
  root: string,
  rules: SelectRules,
  skip: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Selection> {
  const realRoot = await projectRoot(root);
  const git = await isGitWorkTree(realRoot);
  const paths = sortByUtf8(await candidatePaths(realRoot, rules, git), (p) => p);
  const skipped = new Set(skip.map((p) => resolve(p)));
  // Paths reached through the caller's spelling of root are skipped too.
  for (const p of skip) skipped.add(join(realRoot, relative(resolve(root), resolve(p))));
  const ctx: Context = {
    realRoot,
    skip: skipped,
    environment: environmentSecrets(realRoot, env),
    folders: new Map(),
  };
  const outcomes = await mapLimit(paths, 64, (p) => classify(ctx, p));
  const entries: PackEntry[] = [];
  const excluded: ExcludedFile[] = [];
  const folders: string[] = [];
  for (const outcome of outcomes) {
    if (outcome?.kind === 'file') entries.push(outcome.entry);
    else if (outcome?.kind === 'excluded')
      excluded.push({ path: outcome.path, reason: outcome.reason });
    else if (outcome?.kind === 'folder') folders.push(outcome.path);
  }
  // git lists a submodule or a nested repository as one folder. Say so, unless `include`
  // brought its files in.
  for (const folder of folders) {
    if (!entries.some((e) => e.path.startsWith(`${folder}/`))) {
      const reason = 'git submodule or nested repository: name it in include to pack its files';
      excluded.push({ path: folder, reason });
    }
  }
  return { entries, excluded: sortByUtf8(excluded, (e) => e.path), git };
}

/** Which files `root` would ship, and which were left out as secrets or bad links. */
export async function selectFiles(
  root: string,
  rules: SelectRules,
): Promise<{ files: string[]; excluded: ExcludedFile[] }> {
  const { entries, excluded } = await collectFiles(root, rules);
  return { files: entries.map((e) => e.path), excluded };
}
