import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { writeDeterministicZip } from '../../src/pack/deterministic-zip.js';
import { collectFiles } from '../../src/pack/select-files.js';
import { looksIncompressible, storedBlocks } from '../../src/pack/stored-blocks.js';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);
const KiB = 1024;
const MiB = 1024 * KiB;

const text = (bytes: number) =>
  Buffer.from('row,1.5,cat,7\nrow,2.25,dog,3\n'.repeat(Math.ceil(bytes / 29))).subarray(0, bytes);

void test('stored blocks inflate back to their bytes, on their own and between deflated ones', () => {
  for (const size of [1, 16 * KiB, 0xffff, 0x10000, 200_000]) {
    const data = randomBytes(size);
    const stored = storedBlocks(data, true);
    assert.equal(stored.length, size + 5 * Math.ceil(size / 0xffff));
    assert.ok(zlib.inflateRawSync(stored).equals(data), String(size));
  }
  // A stream as the block path writes one: deflated (sync flush), stored, deflated (finish).
  const a = text(100 * KiB);
  const b = randomBytes(70 * KiB);
  const c = text(50 * KiB);
  const first = zlib.deflateRawSync(a, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const third = zlib.deflateRawSync(c, { dictionary: b.subarray(-32 * KiB) });
  const stream = Buffer.concat([first, storedBlocks(b, false), third]);
  assert.ok(zlib.inflateRawSync(stream).equals(Buffer.concat([a, b, c])));
  // Not the last block: the stream does not end there.
  assert.throws(() => zlib.inflateRawSync(storedBlocks(b, false)), /unexpected end/);
});

void test('only data with no compressible sample counts as incompressible', () => {
  assert.equal(looksIncompressible(randomBytes(MiB)), true);
  assert.equal(looksIncompressible(randomBytes(20 * KiB)), true);
  assert.equal(looksIncompressible(text(MiB)), false);
  // Too small to sample: zlib decides.
  assert.equal(looksIncompressible(randomBytes(15 * KiB)), false);
  // Random but for a stretch of zeros where the second sample is taken.
  const mixed = randomBytes(MiB);
  mixed.fill(0, 256 * KiB, 300 * KiB);
  assert.equal(looksIncompressible(mixed), false);
});

void test('incompressible files are stored inside the deflate stream and read back whole', async (t) => {
  const root = await tempDir(t);
  const out = await tempDir(t);
  const files = new Map<string, Buffer>([
    // Several blocks, the last one partial; a small file; random then text, block by block.
    ['blobs/random.dat', randomBytes(3 * MiB + 123)],
    ['blobs/small.dat', randomBytes(40 * KiB)],
    ['data/mixed.raw', Buffer.concat([randomBytes(MiB), text(MiB)])],
    ['data/table.csv', text(2 * MiB + 5)],
  ]);
  for (const [name, data] of files) {
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), data);
  }
  const { entries } = await collectFiles(root, { include: [], exclude: [] });
  const zipPath = join(out, 'code.zip');
  await writeDeterministicZip(entries, zipPath);

  const zip = await yauzl.openPromise(zipPath);
  const sizes = new Map<string, number>();
  try {
    for await (const entry of zip.eachEntry()) {
      assert.equal(entry.compressionMethod, 8, entry.fileName);
      sizes.set(entry.fileName, entry.compressedSize);
    }
  } finally {
    zip.close();
  }
  // Random bytes cost their size and 5 header bytes per 64 KiB (and per 1 MiB block), at
  // most: fewer than zlib's stored blocks of about 16 KiB would take.
  const storedSize = (n: number) => n + 5 * Math.ceil(n / 0xffff) + 5 * Math.ceil(n / MiB);
  assert.ok((sizes.get('blobs/random.dat') ?? Infinity) <= storedSize(3 * MiB + 123));
  assert.ok((sizes.get('blobs/small.dat') ?? Infinity) <= storedSize(40 * KiB));
  // The random block is stored, the text block after it still deflated.
  const mixed = sizes.get('data/mixed.raw') ?? Infinity;
  assert.ok(mixed > MiB && mixed < 1.2 * MiB, String(mixed));
  assert.ok((sizes.get('data/table.csv') ?? Infinity) < MiB / 10);

  const script = [
    'import sys, zipfile, hashlib',
    'z = zipfile.ZipFile(sys.argv[1])',
    'assert z.testzip() is None',
    'for i in z.infolist(): print(i.filename, hashlib.sha256(z.read(i)).hexdigest())',
  ].join('\n');
  const { stdout } = await run('python3', ['-c', script, zipPath]);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  assert.deepEqual(
    stdout.trim().split('\n'),
    [...files].map(([name, data]) => `${name} ${sha(data)}`),
  );
});
