// Runs git for code mode git: never prompts (a prompt would hang a run that nobody watches),
// a time limit on every call, and git's own words in every error.

import { spawn } from 'node:child_process';
import { PlatformError, UsageError } from '../errors.js';

export interface GitResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface GitRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv | undefined;
  signal?: AbortSignal | undefined;
  /** Default 60 s; network calls (ls-remote, push) get more. */
  timeoutMs?: number;
  /** Written to git's stdin. */
  input?: string | Buffer;
}

const defaultTimeoutMs = 60_000;

/**
 * git's environment: no terminal prompt, no askpass program popping up, and no optional
 * locks: `git status` would otherwise rewrite the user's index to refresh its stat data.
 */
export function quietEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never', GIT_OPTIONAL_LOCKS: '0' };
}

/** Runs git and resolves whatever its exit code; rejects only when git cannot run. */
export function runGit(args: string[], options: GitRunOptions): Promise<GitResult> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal =
    options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: quietEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => undefined); // git may exit before reading it all
    child.stdin.end(options.input ?? '');
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(
          new UsageError('git is not installed (not on PATH)', {
            hint: 'install git, or ship the code another way (code: dataset)',
          }),
        );
      } else if (options.signal?.aborted === true) {
        reject(options.signal.reason as Error);
      } else if (timeout.aborted) {
        reject(
          new PlatformError(
            `git ${args.find((a) => !a.startsWith('-')) ?? ''} did not finish within ${Math.round(timeoutMs / 1000)} s`,
            { hint: 'check the network and the remote (git ls-remote), then run again' },
          ),
        );
      } else {
        reject(error);
      }
    });
    child.on('close', (code) => {
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8').trim(),
      });
    });
  });
}

/** The first lines of git's stderr, for an error message. */
export function gitDetail(result: GitResult, lines = 3): string {
  const text = result.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('hint:'))
    .slice(0, lines)
    .join('; ');
  return text === '' ? `git exited with code ${String(result.code)}` : text;
}

/**
 * Runs git and returns its stdout; a failure becomes the error `fail` makes from git's
 * message (a UsageError unless told otherwise: most failures are the repository's state).
 */
export async function git(
  args: string[],
  options: GitRunOptions,
  fail: (detail: string) => Error = (detail) =>
    new UsageError(`git ${args[0] ?? ''} failed: ${detail}`, {
      hint: 'check the repository (git status), then run again',
    }),
): Promise<string> {
  const result = await runGit(args, options);
  if (result.code !== 0) throw fail(gitDetail(result));
  return result.stdout;
}
