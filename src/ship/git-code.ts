// Code mode git: the kernel clones the project's repository at a pinned commit. What is
// committed and pushed is HEAD itself; a committed HEAD the remote lacks is pushed to
// refs/kaggle-run/<run id>; uncommitted changes and untracked files ship as a snapshot
// commit under that ref, made without touching the user's branch, index or files.

import { realpath } from 'node:fs/promises';
import { relativeInside } from '../util/safe-path.js';
import { InternalError, UsageError } from '../errors.js';
import type { Job } from '../job.js';
import { checkRemote, type RemoteCheck } from './git-remote.js';
import { git, runGit, type GitRunOptions } from './git-run.js';
import { commitOnBranch, pushTo, snapshotCommit } from './git-snapshot.js';

export interface GitCode {
  /** What the kernel clones: https for an ssh remote, never with credentials. */
  url: string;
  commit: string;
  /**
   * A ref on the remote whose tip is the commit (the snapshot's hidden ref, or the branch
   * HEAD is the tip of), fetched first; null when the commit is only reachable from one.
   */
  ref: string | null;
  /** The job root inside the repository, POSIX, '' at its top. */
  subdir: string;
  /** True when the commit is a snapshot pushed for this run. */
  snapshot: boolean;
  /** True when the working tree had changes HEAD lacks. */
  dirty: boolean;
  /** Things the user should know (an ssh URL rewritten, secrets left out of the snapshot). */
  warnings: string[];
}

export interface ShipGitOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export async function shipGitCode(
  job: Job,
  runId: string,
  options: ShipGitOptions = {},
): Promise<GitCode> {
  const base: GitRunOptions = { cwd: job.root, env: options.env, signal: options.signal };
  const top = await repositoryTop(job.root, base);
  const run: GitRunOptions = { ...base, cwd: top };
  const realRoot = await realpath(job.root);
  const subdir = realRoot === top ? '' : relativeInside(top, realRoot);
  if (subdir === undefined) {
    throw new InternalError(`the job root ${job.root} is outside its repository ${top}`);
  }
  const remote = job.git.remote;
  const checked = await checkRemote(remote, job.git.tokenSecret, run);
  const warnings = [...checked.kernel.warnings];
  const snapshotRef = `refs/kaggle-run/${runId}`;
  await checkRefName(snapshotRef, run);
  const result = (commit: string, ref: string | null, snapshot: boolean, dirty: boolean) => ({
    url: checked.kernel.url,
    commit,
    ref,
    subdir,
    snapshot,
    dirty,
    warnings,
  });

  if (job.git.commit) {
    const dirty = (await git(['status', '--porcelain', '-z'], run)) !== '';
    const ref = await commitOnBranch(remote, `kaggle-run: ${runId}`, run);
    const commit = await headCommit(run);
    if (commit === undefined) throw new InternalError('HEAD is unborn after --git-commit');
    await checkEntry(commit, subdir, job.entry, checked, run);
    return result(commit, ref, false, dirty);
  }

  const head = await headCommit(run);
  const dirty = (await git(['status', '--porcelain', '-z'], run)) !== '';
  if (head !== undefined && !dirty) {
    const onRemote = await refHolding(head, remote, checked, run);
    if (onRemote !== undefined) {
      await checkEntry(head, subdir, job.entry, checked, run);
      return result(head, onRemote === '' ? null : onRemote, false, false);
    }
    // Committed but not pushed: HEAD itself goes to the hidden ref (a snapshot could not
    // leave anything out anyway: its parent, HEAD, travels with it).
    await checkEntry(head, subdir, job.entry, checked, run);
    await pushTo(remote, head, snapshotRef, run);
    return result(head, snapshotRef, true, false);
  }
  const snap = await snapshotCommit(head, `kaggle-run snapshot ${runId}`, run);
  try {
    warnings.push(...snap.leftOut.map((item) => `left out of the snapshot: ${item}`));
    await checkEntry(snap.commit, subdir, job.entry, checked, snap.withObjects);
    await pushTo(remote, snap.commit, snapshotRef, snap.withObjects);
  } finally {
    await snap.dispose();
  }
  return result(snap.commit, snapshotRef, true, dirty);
}

async function repositoryTop(root: string, options: GitRunOptions): Promise<string> {
  const found = await runGit(['rev-parse', '--show-toplevel'], options);
  const top = found.stdout.trim();
  if (found.code !== 0 || top === '') {
    throw new UsageError(`code: git, but ${root} is not inside a git repository`, {
      hint: 'make it one (git init, commit, git remote add origin URL, push), or use code: dataset',
    });
  }
  return realpath(top);
}

async function headCommit(options: GitRunOptions): Promise<string | undefined> {
  const head = await runGit(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], options);
  return head.code === 0 ? head.stdout.trim() : undefined;
}

async function checkRefName(ref: string, options: GitRunOptions): Promise<void> {
  const ok = await runGit(['check-ref-format', ref], options);
  if (ok.code !== 0) throw new InternalError(`${ref} is not a valid git ref name`);
}

/**
 * Whether the remote has `commit`: the name of a ref whose tip it is, '' when a ref there
 * contains it further down, undefined when none does (as far as we can tell locally).
 */
async function refHolding(
  commit: string,
  remote: string,
  checked: RemoteCheck,
  options: GitRunOptions,
): Promise<string | undefined> {
  for (const [name, sha] of checked.refs) {
    if (sha === commit && name.startsWith('refs/')) return name;
  }
  // Remote-tracking branches that contain it, each checked against what the remote has now
  // (a branch force-pushed since the last fetch no longer holds it).
  const prefix = `refs/remotes/${remote}/`;
  const listed = await git(
    ['for-each-ref', '--contains', commit, '--format=%(refname) %(objectname)', prefix],
    options,
  );
  for (const line of listed.split('\n')) {
    const [name, sha] = line.split(' ');
    if (name === undefined || sha === undefined || !name.startsWith(prefix)) continue;
    if (checked.refs.get(`refs/heads/${name.slice(prefix.length)}`) === sha) return '';
  }
  return undefined;
}

/** The entry must be in the commit, or the kernel fails after a long wait for a session. */
async function checkEntry(
  commit: string,
  subdir: string,
  entry: string,
  checked: RemoteCheck,
  options: GitRunOptions,
): Promise<void> {
  const path = subdir === '' ? entry : `${subdir}/${entry}`;
  const found = await runGit(['cat-file', '-e', `${commit}:${path}`], options);
  if (found.code !== 0) {
    throw new UsageError(
      `the entry ${path} is not in the commit ${commit.slice(0, 12)} shipped to ${checked.shown}`,
      { hint: 'check that .gitignore does not cover it, and that it is not a secret-like file' },
    );
  }
}
