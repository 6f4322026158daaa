import { execFile, spawn } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { TestContext } from 'node:test';
import { packageRoot } from '../../src/util/package-root.js';
import { tempDir } from './temp.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment the CLI gets in tests: plain output, no colour, then the test's own. */
function cliEnv(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  return { ...process.env, CI: 'true', NO_COLOR: '1', ...env };
}

/**
 * Runs the real CLI entry (bin/kaggle-run.js) as a child process: for what only a real
 * process shows (signals, exit on a second Ctrl-C, the entry itself). A test about messages
 * and exit codes uses `cli` instead, which is the same `main()` without a node start-up.
 */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  const bin = join(packageRoot(), 'bin', 'kaggle-run.js');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        cwd: options.cwd ?? process.cwd(),
        env: cliEnv(options.env),
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Runs the CLI's `main()` in this process with its streams captured: what a user would see
 * and the exit code the entry would end with, as from `runCli`. The CLI reads its
 * environment and folder only through the `CliIo` it is given; a local run's program still
 * gets this process's environment.
 */
export async function cli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const { main } = await import('../../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: cliEnv(options.env),
    cwd: options.cwd ?? process.cwd(),
  });
  return { code, stdout, stderr };
}

/**
 * A private copy of one of the examples/ projects, without what running it in place left
 * behind (`npm run example` records its run in examples/hello/.kaggle-run).
 */
export async function copyExample(t: TestContext, name: string): Promise<string> {
  const dir = join(await tempDir(t), name);
  await cp(join(packageRoot(), 'examples', name), dir, {
    recursive: true,
    filter: (source) => basename(source) !== '.kaggle-run',
  });
  return dir;
}

/** A Python that can run notebooks (nbclient + ipykernel), or undefined. */
export async function notebookPython(): Promise<string | undefined> {
  const { probePython } = await import('../../src/platform/local/python.js');
  for (const candidate of ['python3', '/usr/bin/python3']) {
    if ((await probePython(candidate))?.hasNotebookSupport) return candidate;
  }
  return undefined;
}

export interface StartedCli {
  /** Resolves with the first `--events` line on stdout that `match` accepts. */
  waitForEvent(
    match: (event: { type: string } & Record<string, unknown>) => boolean,
  ): Promise<{ type: string } & Record<string, unknown>>;
  result: Promise<CliResult>;
}

/** Starts the real CLI with `--events` among its args and follows its stdout line by line. */
export function startCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): StartedCli {
  const bin = join(packageRoot(), 'bin', 'kaggle-run.js');
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: cliEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  let stdout = '';
  let stderr = '';
  let partial = '';
  const events: ({ type: string } & Record<string, unknown>)[] = [];
  const waiters: {
    match: (event: { type: string } & Record<string, unknown>) => boolean;
    resolve: (event: { type: string } & Record<string, unknown>) => void;
  }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const event = JSON.parse(line) as { type: string } & Record<string, unknown>;
      events.push(event);
      for (const waiter of [...waiters]) {
        if (waiter.match(event)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
  return {
    waitForEvent: (match) => {
      const seen = events.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        void result.then((r) =>
          reject(new Error(`the CLI ended (exit ${r.code}) before the event: ${r.stderr}`)),
        );
      });
    },
    result,
  };
}
