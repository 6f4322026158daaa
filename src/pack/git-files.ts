import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

interface GitOutput {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

// spawn rather than execFile: a big repo lists megabytes of paths, and collecting chunks
// has no maxBuffer to outgrow.
function git(cwd: string, args: string[]): Promise<GitOutput | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      // No git on this machine: the caller falls back to walking the folder.
      if (error.code === 'ENOENT') resolve(undefined);
      else reject(error);
    });
    child.on('close', (code) => {
      resolve({
        code,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8').trim(),
      });
    });
  });
}

/** Whether `.git` (a repository, or a linked work tree's file) is in `root` or above it. */
function gitEntryAbove(root: string): boolean {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return true;
    if (dirname(dir) === dir) return false;
  }
}

/** True when `root` is inside a git work tree (and git is installed). */
export async function isGitWorkTree(root: string): Promise<boolean> {
  // Unless GIT_DIR names one, git finds a repository only through a `.git` here or above:
  // without one the answer is no, and costs no git start.
  if (process.env.GIT_DIR === undefined && !gitEntryAbove(root)) return false;
  const result = await git(root, ['rev-parse', '--is-inside-work-tree']);
  return result?.code === 0 && result.stdout.toString('utf8').trim() === 'true';
}

/**
 * The files git would ship from `root`: tracked ones plus untracked ones that no ignore rule
 * covers, as POSIX paths relative to `root` (only files under it), deduplicated. Tracked
 * files deleted from disk are still listed; the caller's stat drops them.
 */
export async function gitListFiles(root: string): Promise<string[]> {
  const args = ['ls-files', '-z', '--cached', '--others', '--exclude-standard'];
  const result = await git(root, args);
  if (result === undefined || result.code !== 0) {
    throw new UsageError(`git ls-files failed in ${root}: ${result?.stderr ?? 'git not found'}`, {
      hint: 'check that the project is a healthy git work tree (git status), or remove .git',
    });
  }
  const paths = result.stdout
    .toString('utf8')
    .split('\0')
    .filter((p) => p !== '')
    // Another repository nested inside is listed as `dir/`, a submodule as `dir`: both are
    // folders, which the caller reports as not packed.
    .map((p) => (p.endsWith('/') ? p.slice(0, -1) : p));
  // A file with merge conflicts is listed once per stage.
  return [...new Set(paths)];
}
