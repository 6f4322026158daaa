// Commits for code mode git. A snapshot is a commit of the working tree as it is, made in a
// temporary index and object store and pushed to a hidden ref, so the user's branch, index,
// files and object store are never touched. `--git-commit` is the explicit old way: commit on the current branch and push it.

import { lstat, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { PlatformError, UsageError } from '../errors.js';
import { contentSecretReason, environmentSecrets, mayHoldSecret } from '../pack/secret-content.js';
import { secretReason } from '../pack/secrets.js';
import { git, runGit, type GitRunOptions } from './git-run.js';

const pushTimeoutMs = 300_000;

/** `-c user.name/email` for whichever of them git has no value for (CI, fresh machines). */
export async function identityArgs(options: GitRunOptions): Promise<string[]> {
  const args: string[] = [];
  for (const [key, fallback] of [
    ['user.name', 'kaggle-run'],
    ['user.email', 'kaggle-run@localhost'],
  ] as const) {
    const set = await runGit(['config', key], options);
    if (set.code !== 0 || set.stdout.trim() === '') args.push('-c', `${key}=${fallback}`);
  }
  return args;
}

function nulList(text: string): string[] {
  return text.split('\0').filter((p) => p !== '');
}

export interface Snapshot {
  commit: string;
  /** Files left out because they look like secrets, each with why. */
  leftOut: string[];
  /**
   * Options for git calls that need the snapshot's objects (checking its tree, pushing it):
   * they live in a temporary object store, with the repository's own as an alternate.
   */
  withObjects: GitRunOptions;
  /** Removes the temporary index and object store. */
  dispose: () => Promise<void>;
}

/** The repository's object folder, absolute, where git keeps it (worktrees share one). */
async function objectFolder(options: GitRunOptions): Promise<string> {
  const path = (await git(['rev-parse', '--git-path', 'objects'], options)).trim();
  return resolve(options.cwd, path);
}

/** Why a file the snapshot would hold never ships: its name, its content or the environment. */
async function snapshotSecret(
  top: string,
  path: string,
  environment: ReadonlyMap<string, string>,
): Promise<string | undefined> {
  const named = secretReason(path) ?? environment.get(path);
  if (named !== undefined) return named;
  if (!mayHoldSecret(path, 0)) return undefined;
  const abs = join(top, path);
  const stats = await lstat(abs).catch(() => undefined);
  if (stats === undefined || !stats.isFile()) return undefined;
  return contentSecretReason(path, abs, stats.size);
}

/**
 * Commits the working tree (tracked changes, staged or not, and untracked files no ignore
 * rule covers) on top of `parent`, minus anything that looks like a secret. Nothing is
 * written to the repository at all: the index and every object the snapshot makes (blobs of
 * changed files, secrets among them until they are dropped, trees, the commit) go to a
 * temporary folder that `dispose` removes once the commit is pushed. `options.cwd` is the
 * repository's top folder.
 */
export async function snapshotCommit(
  parent: string | undefined,
  message: string,
  options: GitRunOptions,
): Promise<Snapshot> {
  const userObjects = await objectFolder(options);
  const temp = await mkdtemp(join(tmpdir(), 'kaggle-run-snapshot-'));
  const dispose = () => rm(temp, { recursive: true, force: true });
  try {
    const objects = join(temp, 'objects');
    await mkdir(objects);
    const base = options.env ?? process.env;
    const inherited = base.GIT_ALTERNATE_OBJECT_DIRECTORIES;
    const objectEnv = {
      ...base,
      GIT_OBJECT_DIRECTORY: objects,
      GIT_ALTERNATE_OBJECT_DIRECTORIES:
        inherited === undefined || inherited === ''
          ? userObjects
          : `${userObjects}${delimiter}${inherited}`,
    };
    const withObjects: GitRunOptions = { ...options, env: objectEnv };
    const withIndex: GitRunOptions = {
      ...options,
      env: { ...objectEnv, GIT_INDEX_FILE: join(temp, 'index') },
    };
    if (parent !== undefined) await git(['read-tree', parent], withIndex);
    await git(['add', '-A'], { ...withIndex, timeoutMs: 600_000 });
    const leftOut: string[] = [];
    const drop: string[] = [];
    const environment = environmentSecrets(options.cwd, base);
    for (const path of nulList(await git(['ls-files', '-z'], withIndex))) {
      const reason = await snapshotSecret(options.cwd, path, environment);
      if (reason !== undefined) {
        drop.push(path);
        leftOut.push(`${path}: ${reason}`);
      }
    }
    if (drop.length > 0) {
      await git(['update-index', '--force-remove', '-z', '--stdin'], {
        ...withIndex,
        input: drop.map((p) => `${p}\0`).join(''),
      });
    }
    const tree = (await git(['write-tree'], withIndex)).trim();
    const identity = await identityArgs(options);
    const parentArgs = parent === undefined ? [] : ['-p', parent];
    const commit = (
      await git([...identity, 'commit-tree', tree, ...parentArgs, '-m', message], withObjects)
    ).trim();
    return { commit, leftOut, withObjects, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Pushes `source` (a commit or HEAD) to `ref` on the remote. */
export async function pushTo(
  remote: string,
  source: string,
  ref: string,
  options: GitRunOptions,
): Promise<void> {
  await git(
    ['push', '--quiet', remote, `${source}:${ref}`],
    { ...options, timeoutMs: pushTimeoutMs },
    (detail) =>
      new PlatformError(`pushing the code to the git remote ${remote} failed: ${detail}`, {
        hint: `check that you can push there (git push ${remote}), or use code: dataset`,
      }),
  );
}

/**
 * `--git-commit`: commits every change on the current branch (when there is one) and pushes
 * the branch. Refuses before touching anything when a file to commit looks like a secret.
 * Returns the branch's ref name.
 */
export async function commitOnBranch(
  remote: string,
  message: string,
  options: GitRunOptions,
): Promise<string> {
  const branch = await runGit(['symbolic-ref', '-q', 'HEAD'], options);
  if (branch.code !== 0) {
    throw new UsageError('--git-commit needs a branch, and HEAD is detached', {
      hint: 'check out a branch (git switch NAME), or drop --git-commit to ship a snapshot',
    });
  }
  const ref = branch.stdout.trim();
  const changed = [
    ...nulList(await git(['diff', '--name-only', '-z', 'HEAD', '--'], options).catch(() => '')),
    ...nulList(await git(['diff', '--name-only', '-z', '--cached', '--'], options)),
    ...nulList(await git(['ls-files', '-z', '--others', '--exclude-standard'], options)),
  ];
  const secrets = [...new Set(changed)].filter((p) => secretReason(p) !== undefined);
  if (secrets.length > 0) {
    throw new UsageError(
      `--git-commit would commit and push ${secrets.join(', ')}, which look${secrets.length === 1 ? 's' : ''} like secrets`,
      {
        hint: 'add them to .gitignore (or commit what you mean to yourself), or drop --git-commit',
      },
    );
  }
  const status = await git(['status', '--porcelain', '-z'], options);
  if (status !== '') {
    await git(['add', '-A'], { ...options, timeoutMs: 600_000 });
    const identity = await identityArgs(options);
    await git([...identity, 'commit', '--quiet', '-m', message], options);
  }
  await pushTo(remote, 'HEAD', ref, options);
  return ref;
}
