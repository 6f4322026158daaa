// BatchedWriter against real files: chunks are copied (the caller reuses its buffer), land
// in order at their offsets across batches, short writes go on, a disk slower than the
// chunks makes `add` ask the caller to wait, and a failed write is reported.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchedWriter, type PositionalFile } from '../../src/util/batched-writer.js';
import { tempDir } from '../helpers/temp.js';

/** Feeds `data` to the writer through one reused buffer of `step` bytes, as a socket does. */
async function feed(writer: BatchedWriter, data: Buffer, step: number): Promise<number> {
  const reused = Buffer.alloc(step);
  let waits = 0;
  for (let at = 0; at < data.length; at += step) {
    const piece = reused.subarray(0, data.copy(reused, 0, at, at + step));
    const wait = writer.add(piece);
    if (wait !== undefined) {
      waits++;
      reused.fill(0); // what was added must have been copied already
      await wait;
    }
  }
  await writer.flush();
  return waits;
}

void test('chunks from a reused buffer land in order, from the offset given', async (t) => {
  const path = join(await tempDir(t), 'f');
  await writeFile(path, 'KEPT');
  const data = randomBytes(10_000);
  const file = await open(path, 'r+');
  try {
    const writer = new BatchedWriter(file, 4, 64); // a resume after 4 bytes, 64-byte batches
    await feed(writer, data, 50);
    assert.equal(writer.position, 4 + data.length);
  } finally {
    await file.close();
  }
  assert.ok((await readFile(path)).equals(Buffer.concat([Buffer.from('KEPT'), data])));
});

void test('a disk slower than the chunks makes add wait, and loses nothing', async (t) => {
  const path = join(await tempDir(t), 'f');
  const handle = await open(path, 'w');
  let inFlight = 0;
  let most = 0;
  // Each write waits a turn of the event loop before it starts.
  const slow: PositionalFile = {
    write: async (buffer, offset, length, position) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      try {
        return await handle.write(buffer, offset, length, position);
      } finally {
        inFlight--;
      }
    },
  };
  const data = randomBytes(100_000);
  try {
    const waits = await feed(new BatchedWriter(slow, 0, 1000), data, 700);
    assert.ok(waits > 0, 'add asked the caller to wait');
  } finally {
    await handle.close();
  }
  assert.equal(most, 1, 'writes go one after another');
  assert.ok((await readFile(path)).equals(data));
});

void test('a chunk bigger than every batch together is set aside and waited on more than once, whole', async (t) => {
  const path = join(await tempDir(t), 'f');
  const handle = await open(path, 'w');
  let writes = 0;
  const slow: PositionalFile = {
    write: async (buffer, offset, length, position) => {
      writes++;
      await new Promise((resolve) => setImmediate(resolve));
      return handle.write(buffer, offset, length, position);
    },
  };
  const data = randomBytes(20_000);
  try {
    // 100-byte batches, three of them: each 700-byte chunk outgrows them twice over.
    const waits = await feed(new BatchedWriter(slow, 0, 100), data, 700);
    assert.ok(waits > 0, 'add asked the caller to wait');
  } finally {
    await handle.close();
  }
  assert.equal(writes, 200);
  assert.ok((await readFile(path)).equals(data));
});

void test('short writes go on from where they stopped', async (t) => {
  const path = join(await tempDir(t), 'f');
  const handle = await open(path, 'w');
  const stingy: PositionalFile = {
    write: (buffer, offset, length, position) =>
      handle.write(buffer, offset, Math.min(length, 7), position),
  };
  const data = randomBytes(5_000);
  try {
    await feed(new BatchedWriter(stingy, 0, 256), data, 100);
  } finally {
    await handle.close();
  }
  assert.ok((await readFile(path)).equals(data));
});

void test('a failed write rejects the flush, and an add that has to wait', async () => {
  const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
  const failing: PositionalFile = { write: () => Promise.reject(full) };
  const writer = new BatchedWriter(failing, 0, 10);
  await assert.rejects(
    (async () => {
      for (let i = 0; i < 100; i++) await writer.add(Buffer.alloc(10));
    })(),
    /no space left/,
  );
  await assert.rejects(writer.flush(), /no space left/);
});
