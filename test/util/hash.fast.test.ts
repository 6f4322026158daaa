// File hashing and the hashing copy the local platform fetches outputs with: the hash is
// that of the bytes, the copy is exact (across its reused buffers), a cap stops a copy one
// byte past it, and an empty file is an empty file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyHashed, sha256File } from '../../src/util/hash.js';
import { tempDir } from '../helpers/temp.js';

const hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');

void test('a copy over several buffers is exact, and says the hash and size of its bytes', async (t) => {
  const dir = await tempDir(t);
  const data = randomBytes(3 * 1024 * 1024 + 4321); // more than the three 1 MiB buffers
  await writeFile(join(dir, 'source'), data);
  await writeFile(join(dir, 'dest'), 'older and longer contents '.repeat(1000));
  const copied = await copyHashed(join(dir, 'source'), join(dir, 'dest'), data.length);
  assert.deepEqual(copied, { sha256: hex(data), size: data.length });
  assert.ok((await readFile(join(dir, 'dest'))).equals(data));
  assert.deepEqual(await sha256File(join(dir, 'dest')), copied);
});

void test('a source bigger than the cap is copied one byte past it, and no further', async (t) => {
  const dir = await tempDir(t);
  const data = randomBytes(10_000);
  await writeFile(join(dir, 'source'), data);
  const copied = await copyHashed(join(dir, 'source'), join(dir, 'dest'), 4000);
  assert.equal(copied.size, 4001);
  assert.ok((await readFile(join(dir, 'dest'))).equals(data.subarray(0, 4001)));
  assert.equal(copied.sha256, hex(data.subarray(0, 4001)));
});

void test('an empty file copies and hashes as empty', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'source'), '');
  const empty = { sha256: hex(Buffer.alloc(0)), size: 0 };
  assert.deepEqual(await copyHashed(join(dir, 'source'), join(dir, 'dest')), empty);
  assert.deepEqual(await sha256File(join(dir, 'dest')), empty);
});
