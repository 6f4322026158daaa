// Real git repositories for tests: a working repository (with its own identity, since CI
// has no global one) next to a bare remote on disk.

import type { TestContext } from 'node:test';
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tempDir } from './temp.js';

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
}

/** An empty repository `work` on branch main, and a bare `remote.git` beside it (not added). */
export async function repoAndBareRemote(
  t: TestContext,
  prefix: string,
): Promise<{ dir: string; work: string; bare: string }> {
  const dir = await tempDir(t, prefix);
  const work = join(dir, 'work');
  const bare = join(dir, 'remote.git');
  git(dir, 'init', '-q', '--bare', bare);
  git(dir, 'init', '-q', '-b', 'main', work);
  git(work, 'config', 'user.name', 'Test');
  git(work, 'config', 'user.email', 'test@example.com');
  return { dir, work, bare };
}
