import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packProject } from '../../src/pack/index.js';
import { sha256File } from '../../src/util/hash.js';
import { tempDir } from '../helpers/temp.js';

async function project(t: Parameters<typeof tempDir>[0]) {
  const root = await tempDir(t);
  await writeFile(join(root, 'train.py'), 'print("one")\n');
  await writeFile(join(root, 'model.py'), 'x = 1\n');
  const cacheDir = join(await tempDir(t), 'cache');
  let n = 0;
  const pack = () =>
    packProject({
      root,
      include: [],
      exclude: [],
      outPath: join(cacheDir, '..', `out-${n++}.zip`),
      cacheDir,
    });
  return { root, cacheDir, pack };
}

void test('an unchanged project reuses the cached zip: same hash, same bytes, nothing packed', async (t) => {
  const { pack } = await project(t);
  const first = await pack();
  assert.equal(first.reused, false);
  const second = await pack();
  assert.equal(second.reused, true);
  assert.equal(second.codeHash, first.codeHash);
  assert.equal((await sha256File(second.zipPath)).sha256, first.codeHash);
  assert.deepEqual(second.files, first.files);
});

void test('an edit of the same size with its mtime set back is still noticed (ctime)', async (t) => {
  const { root, pack } = await project(t);
  const first = await pack();
  const file = join(root, 'model.py');
  const before = await stat(file);
  // Not a wait for anything: the clock moves on, so the edit's ctime differs from the
  // first pack's even where the filesystem keeps coarse timestamps.
  await new Promise((r) => setTimeout(r, 20));
  await writeFile(file, 'x = 2\n');
  await utimes(file, before.atime, before.mtime);
  const second = await pack();
  assert.equal(second.reused, false);
  assert.notEqual(second.codeHash, first.codeHash);
  // And the new content is what the reused zip holds from now on.
  const third = await pack();
  assert.equal(third.reused, true);
  assert.equal(third.codeHash, second.codeHash);
});

void test('a new file misses the cache; the cache keeps only the few latest zips', async (t) => {
  const { root, cacheDir, pack } = await project(t);
  for (let i = 0; i < 5; i++) {
    await writeFile(join(root, `extra-${i}.py`), `y = ${i}\n`);
    assert.equal((await pack()).reused, false);
  }
  const zips = (await readdir(cacheDir)).filter((f) => f.endsWith('.zip'));
  assert.equal(zips.length, 3);
});
