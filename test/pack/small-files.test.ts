import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import yauzl from 'yauzl';
import { UsageError } from '../../src/errors.js';
import { writeDeterministicZip } from '../../src/pack/deterministic-zip.js';
import { collectFiles } from '../../src/pack/select-files.js';
import { sha256File } from '../../src/util/hash.js';
import { tempDir } from '../helpers/temp.js';

// Small files are packed in batches, inline or by a worker thread (workerMin decides which);
// both must give the very same bytes as each other and as the block path's layout.
const inline = { workerMin: Number.POSITIVE_INFINITY };
const viaWorker = { workerMin: 0 };

/** 300 small files of mixed kinds, with a multi-block file and empty files among them. */
function projectFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let i = 0; i < 300; i++) {
    const name = `src/pkg${i % 7}/${i % 11 === 0 ? `img_${i}.png` : `module_${i}.py`}`;
    const text = `def f_${i}(x):\n    return x * ${i}\n`.repeat(1 + ((i * 37) % 200));
    files.set(name, i % 50 === 0 ? Buffer.alloc(0) : Buffer.from(text));
  }
  const rows = Array.from({ length: 120_000 }, (_, i) => `${i},${(i * 31) % 97}\n`).join('');
  files.set('src/pkg3/table.csv', Buffer.from(rows)); // about 1.1 MiB: two blocks
  files.set('src/pkg3/run.sh', Buffer.from('#!/bin/sh\necho hi\n'));
  return files;
}

async function writeProject(root: string, files: Map<string, Buffer>): Promise<void> {
  for (const [name, data] of files) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), data);
  }
  await chmod(join(root, 'src/pkg3/run.sh'), 0o755);
}

async function readBack(path: string): Promise<Map<string, { data: Buffer; mode: number }>> {
  const zip = await yauzl.openPromise(path);
  const found = new Map<string, { data: Buffer; mode: number }>();
  try {
    for await (const entry of zip.eachEntry()) {
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry))
        chunks.push(chunk as Buffer);
      found.set(entry.fileName, {
        data: Buffer.concat(chunks),
        mode: entry.externalFileAttributes >>> 16,
      });
    }
  } finally {
    zip.close();
  }
  return found;
}

void test('small files packed inline and by the worker give the same zip bytes', async (t) => {
  const root = await tempDir(t);
  const out = await tempDir(t);
  const files = projectFiles();
  await writeProject(root, files);
  const { entries } = await collectFiles(root, { include: [], exclude: [] });
  const a = await writeDeterministicZip(entries, join(out, 'inline.zip'), inline);
  const b = await writeDeterministicZip(entries, join(out, 'worker.zip'), viaWorker);
  assert.equal(b.sha256, a.sha256);
  assert.equal(b.zipBytes, a.zipBytes);
  assert.ok(
    (await readFile(join(out, 'inline.zip'))).equals(await readFile(join(out, 'worker.zip'))),
  );
  assert.equal((await sha256File(join(out, 'worker.zip'))).sha256, b.sha256);
  const read = await readBack(join(out, 'worker.zip'));
  assert.deepEqual([...read.keys()].sort(), [...files.keys()].sort());
  for (const [name, data] of files) assert.ok(read.get(name)?.data.equals(data), name);
  assert.equal(read.get('src/pkg3/run.sh')?.mode, 0o100755);
  assert.equal(read.get('src/pkg1/module_1.py')?.mode, 0o100644);
});

for (const [label, options] of [
  ['inline', inline],
  ['worker', viaWorker],
] as const) {
  void test(`a small file that grows, shrinks or goes after listing fails the pack (${label})`, async (t) => {
    const root = await tempDir(t);
    const files = projectFiles();
    await writeProject(root, files);
    const { entries } = await collectFiles(root, { include: [], exclude: [] });
    const changes: [string, () => Promise<void>][] = [
      [
        'src/pkg0/module_7.py',
        () => writeFile(join(root, 'src/pkg0/module_7.py'), 'x'.repeat(9000)),
      ],
      ['src/pkg1/module_1.py', () => writeFile(join(root, 'src/pkg1/module_1.py'), 'x')],
      ['src/pkg5/module_5.py', () => rm(join(root, 'src/pkg5/module_5.py'))],
    ];
    for (const [name, change] of changes) {
      await change();
      const outPath = join(await tempDir(t), 'code.zip');
      await assert.rejects(writeDeterministicZip(entries, outPath, options), (error: unknown) => {
        assert.ok(error instanceof UsageError, String(error));
        assert.equal(error.message, `${name} changed while it was being packed`);
        return true;
      });
      // Neither the zip nor its temp file is left behind.
      assert.deepEqual(await readdir(dirname(outPath)), []);
      await writeFile(join(root, name), files.get(name) as Buffer);
    }
  });
}
