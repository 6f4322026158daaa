import { execFile } from 'node:child_process';
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

/** Runs the real CLI entry (bin/kaggle-run.js) as a child process. */
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
        env: { ...process.env, CI: 'true', NO_COLOR: '1', ...options.env },
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
