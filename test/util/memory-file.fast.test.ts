// A MemoryFile means what a FileHandle would for a download: appends, truncate(0), stat, and
// after close() the file on disk holds exactly what was written (created or replaced).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchedWriter } from '../../src/util/batched-writer.js';
import { MemoryFile } from '../../src/util/memory-file.js';
import { tempDir } from '../helpers/temp.js';

void test('what is written reaches the disk on close, replacing what was there', async (t) => {
  const path = join(await tempDir(t), 'f');
  await writeFile(path, 'an older and much longer content');
  const file = new MemoryFile(path);
  const writer = new BatchedWriter(file, 0, 4);
  await writer.add(Buffer.from('ab'));
  await writer.add(Buffer.from('cdef'));
  await writer.flush();
  assert.deepEqual(await file.stat(), { size: 6 });
  assert.equal(await readFile(path, 'utf8'), 'an older and much longer content'); // not yet
  await file.close();
  assert.equal(await readFile(path, 'utf8'), 'abcdef');
  await file.close(); // a second close changes nothing
  assert.equal(await readFile(path, 'utf8'), 'abcdef');
});

void test('truncate(0) starts over, and a resume appends at the end', async (t) => {
  const path = join(await tempDir(t), 'f');
  const file = new MemoryFile(path);
  await file.writev([Buffer.from('dropped')], 0);
  await file.truncate(0);
  await file.writev([Buffer.from('kept')], 0);
  await file.write(Buffer.from('xx-more-xx'), 2, 6, 4);
  await file.close();
  assert.equal(await readFile(path, 'utf8'), 'kept-more-');
});

void test('a write anywhere but the end is refused, not silently misplaced', async (t) => {
  const file = new MemoryFile(join(await tempDir(t), 'f'));
  await file.writev([Buffer.from('abc')], 0);
  await assert.rejects(file.writev([Buffer.from('x')], 1), /write at 1, end is 3/);
  await assert.rejects(file.truncate(2), /only truncate\(0\)/);
});

void test('a file that cannot be written fails on close, with the system error', async (t) => {
  const file = new MemoryFile(join(await tempDir(t), 'no-such-folder', 'f'));
  await file.writev([Buffer.from('abc')], 0);
  await assert.rejects(file.close(), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});
