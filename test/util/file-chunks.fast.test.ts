// forEachFileChunk against real files: the span comes in order through reused buffers, a
// piece is not read over while its user still holds it, a file shorter than the span ends
// it early, `stop` ends it before the next read, and a user's failure is the answer.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { forEachFileChunk } from '../../src/util/file-chunks.js';
import { tempDir } from '../helpers/temp.js';

async function fileOf(t: TestContext, data: Buffer): Promise<string> {
  const dir = await tempDir(t, 'file-chunks-');
  const path = join(dir, 'data.bin');
  await writeFile(path, data);
  return path;
}

void test('a span comes whole and in order, held pieces untouched until released', async (t) => {
  const data = randomBytes(10 * 4096 + 123);
  const path = await fileOf(t, data);
  const start = 1000;
  const length = data.length - start - 7;
  const seen: Buffer[] = [];
  const buffersSeen = new Set<ArrayBuffer>();
  const releases: (() => void)[] = [];
  let held = 0;
  let mostHeld = 0;
  const read = await forEachFileChunk(
    path,
    start,
    length,
    (piece) => {
      buffersSeen.add(piece.buffer as ArrayBuffer);
      const copy = Buffer.from(piece);
      held++;
      mostHeld = Math.max(mostHeld, held);
      // Released a turn later, as a socket write finishing after the next read would be;
      // the piece must still hold its bytes when it is let go.
      return new Promise<void>((resolve) => {
        releases.push(() => {
          assert.deepEqual(piece, copy, 'a held piece was read over');
          seen.push(copy);
          held--;
          resolve();
        });
        setImmediate(() => releases.shift()?.());
      });
    },
    { bufferBytes: 4096, buffers: 3 },
  );
  assert.equal(read, length);
  assert.deepEqual(Buffer.concat(seen), data.subarray(start, start + length));
  assert.ok(buffersSeen.size <= 3, `${buffersSeen.size} buffers for 3 allowed`);
  assert.ok(mostHeld <= 3);
});

void test('a file shorter than the span ends it with what it has', async (t) => {
  const data = randomBytes(5000);
  const path = await fileOf(t, data);
  const pieces: Buffer[] = [];
  const read = await forEachFileChunk(
    path,
    100,
    10_000,
    (piece) => void pieces.push(Buffer.from(piece)),
    {
      bufferBytes: 1024,
      buffers: 1,
    },
  );
  assert.equal(read, 4900);
  assert.deepEqual(Buffer.concat(pieces), data.subarray(100));
});

void test('stop ends the reading before the next read', async (t) => {
  const path = await fileOf(t, randomBytes(10_000));
  let pieces = 0;
  const read = await forEachFileChunk(path, 0, 10_000, () => void pieces++, {
    bufferBytes: 1000,
    buffers: 2,
    stop: () => pieces === 3,
  });
  assert.equal(pieces, 3);
  assert.equal(read, 3000);
});

void test("the user's failure is the answer, after the pieces it holds settle", async (t) => {
  const path = await fileOf(t, randomBytes(10_000));
  let calls = 0;
  await assert.rejects(
    forEachFileChunk(
      path,
      0,
      10_000,
      () => (++calls === 2 ? Promise.reject(new Error('the socket broke')) : Promise.resolve()),
      { bufferBytes: 1000, buffers: 4 },
    ),
    /the socket broke/,
  );
  assert.ok(calls >= 2);
});
