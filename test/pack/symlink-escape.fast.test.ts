// Nothing outside the project root is packed, however it is reached: a symlinked folder on
// the way to an `include` glob, a symlink to a folder outside, a glob under such a folder.
// Real symlinks to real folders outside the root, in git and walk modes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { collectFiles } from '../../src/pack/select-files.js';
import { tempDir } from '../helpers/temp.js';

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

void test('include through a symlinked folder never packs files from outside the root', async (t) => {
  for (const mode of ['git', 'walk']) {
    const outside = await tempDir(t);
    await writeTree(outside, {
      passwd: 'root:x:0:0\n',
      'ssh/config': 'Host x\n',
      'deep/notes.txt': 'outside notes\n',
    });
    const root = await tempDir(t);
    await writeTree(root, { 'main.py': 'print(1)\n', 'real/data/a.txt': 'inside\n' });
    await symlink(outside, join(root, 'etc'));
    await symlink(join(outside, 'passwd'), join(root, 'passwd-link'));
    // A symlinked folder inside the root: its files are the root's own, and ship.
    await symlink('real', join(root, 'alias'));
    if (mode === 'git') {
      execFileSync('git', ['init', '-q'], { cwd: root });
    }
    const include = ['etc/passwd', 'etc/ssh/**', 'etc/deep', 'alias/data/*.txt', 'passwd-link'];
    const { entries, excluded } = await collectFiles(root, { include, exclude: [] });
    const packed = entries.map((e) => e.path);
    assert.deepEqual(packed, ['alias/data/a.txt', 'main.py', 'real/data/a.txt'], mode);
    for (const entry of entries) {
      assert.ok(!entry.source.startsWith(outside), `${mode}: ${entry.source} is outside`);
    }
    const reasons = Object.fromEntries(excluded.map((e) => [e.path, e.reason]));
    assert.match(reasons['etc/passwd'] ?? '', /symlinked folder that points outside/, mode);
    assert.match(reasons['etc/ssh'] ?? '', /symlinked folder that points outside/, mode);
    assert.match(reasons['etc/deep'] ?? '', /symlinked folder that points outside/, mode);
    assert.match(reasons['passwd-link'] ?? '', /symlink points outside/, mode);
    // The link itself, listed by the plain walk or git, is a folder link: not followed.
    assert.match(reasons['etc'] ?? '', /outside the project/, mode);
  }
});

void test('a secret reached through a symlinked folder inside the root is judged by where it is', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { 'main.py': '', 'home/.aws/credentials': '[default]\n' });
  await symlink('home/.aws', join(root, 'aws-config'));
  const { entries, excluded } = await collectFiles(root, {
    include: ['aws-config/credentials', 'home/**'],
    exclude: [],
  });
  assert.deepEqual(
    entries.map((e) => e.path),
    ['main.py'],
  );
  const reasons = Object.fromEntries(excluded.map((e) => [e.path, e.reason]));
  assert.match(
    reasons['aws-config/credentials'] ?? '',
    /reached as home\/\.aws\/credentials: AWS credentials/,
  );
  assert.match(reasons['home/.aws/credentials'] ?? '', /AWS credentials/);
});
