// A MemoryFile means what a FileHandle would for a download: appends, truncate(0), stat, and
// after close() the file on disk holds exactly what was added (created or replaced).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryFile } from '../../src/util/memory-file.js';
import { tempDir } from '../helpers/temp.js';

void test('what is added reaches the disk on close, replacing what was there', async (t) => {
  const path = join(await tempDir(t), 'f');
  await writeFile(path, 'an older and much longer content');
  const file = new MemoryFile(path, 6);
  assert.equal(file.add(Buffer.from('ab')), undefined); // never asks the caller to wait
  file.add(Buffer.from('cdef'));
  await file.flush();
  assert.equal(file.position, 6);
  assert.deepEqual(await file.stat(), { size: 6 });
  assert.equal(await readFile(path, 'utf8'), 'an older and much longer content'); // not yet
  await file.close();
  assert.equal(await readFile(path, 'utf8'), 'abcdef');
  await file.close(); // a second close changes nothing
  assert.equal(await readFile(path, 'utf8'), 'abcdef');
});

void test('added chunks are copied: a reused buffer does not change what was added', async (t) => {
  const path = join(await tempDir(t), 'f');
  const file = new MemoryFile(path, 2); // smaller than what comes: it grows
  const reused = Buffer.from('one');
  file.add(reused);
  reused.write('two');
  file.add(reused);
  await file.close();
  assert.equal(await readFile(path, 'utf8'), 'onetwo');
});

void test('truncate(0) starts over, and later chunks append at the end', async (t) => {
  const path = join(await tempDir(t), 'f');
  const file = new MemoryFile(path, 16);
  file.add(Buffer.from('dropped'));
  await file.truncate(0);
  assert.equal(file.position, 0);
  file.add(Buffer.from('kept'));
  file.add(Buffer.from('-more-'));
  await file.close();
  assert.equal(await readFile(path, 'utf8'), 'kept-more-');
  await assert.rejects(new MemoryFile(path, 1).truncate(2), /only truncate\(0\)/);
});

void test('a file that cannot be written fails on close, with the system error', async (t) => {
  const file = new MemoryFile(join(await tempDir(t), 'no-such-folder', 'f'), 3);
  file.add(Buffer.from('abc'));
  await assert.rejects(file.close(), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});
