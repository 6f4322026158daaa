import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { packProject } from '../../src/pack/index.js';
import { collectFiles } from '../../src/pack/select-files.js';
import { writeDeterministicZip } from '../../src/pack/deterministic-zip.js';
import { UsageError } from '../../src/errors.js';
import { tempDir } from '../helpers/temp.js';
import { sha256File } from '../../src/util/hash.js';

const run = promisify(execFile);

// Executable files carry `#!`; everything else is plain. Includes a name whose UTF-16 and
// UTF-8 orders differ (an astral character sorts after U+FF5E in UTF-8, before it in UTF-16).
const tree: Record<string, string | Buffer> = {
  'train.py': 'import sys\nprint(sys.argv)\n',
  'run.sh': '#!/bin/sh\necho hi\n',
  'src/model.py': 'class Model:\n    pass\n'.repeat(200),
  'src/__init__.py': '',
  'data/image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]),
  'data/\u{1F600}.txt': 'emoji\n',
  'data/\uFF5E.txt': 'fullwidth tilde\n',
  'B.txt': 'upper case sorts first\n',
};

async function writeTree(root: string, order: string[], mtime: Date, fileMode: number) {
  for (const path of order) {
    const abs = join(root, path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, tree[path] ?? '');
    const executable = path.endsWith('.sh');
    await chmod(abs, executable ? fileMode | 0o100 : fileMode);
    await utimes(abs, mtime, mtime);
  }
}

interface ZipEntryInfo {
  name: string;
  mode: number;
  method: number;
  date: string;
  data: Buffer;
}

async function readZip(path: string): Promise<ZipEntryInfo[]> {
  const zip = await yauzl.openPromise(path);
  const entries: ZipEntryInfo[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry))
        chunks.push(chunk as Buffer);
      entries.push({
        name: entry.fileName,
        mode: entry.externalFileAttributes >>> 16,
        method: entry.compressionMethod,
        date: `${entry.lastModFileDate}/${entry.lastModFileTime}`,
        data: Buffer.concat(chunks),
      });
    }
  } finally {
    zip.close();
  }
  return entries;
}

const paths = Object.keys(tree);
const utf8Sorted = [...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

void test('the zip holds the files sorted, byte for byte, with fixed modes and times', async (t) => {
  const root = await tempDir(t);
  const out = join(await tempDir(t), 'code.zip');
  await writeTree(root, paths, new Date(), 0o644);
  const result = await packProject({ root, include: [], exclude: [], outPath: out });

  assert.deepEqual(result.files, utf8Sorted);
  assert.equal(result.fileCount, paths.length);
  const expectedBytes = paths.reduce((sum, p) => sum + Buffer.byteLength(tree[p] ?? ''), 0);
  assert.equal(result.inputBytes, expectedBytes);
  assert.equal(result.zipBytes, (await stat(out)).size);
  assert.equal(result.codeHash, (await sha256File(out)).sha256);
  assert.equal(result.zipPath, out);

  const entries = await readZip(out);
  assert.deepEqual(
    entries.map((e) => e.name),
    utf8Sorted,
  );
  for (const entry of entries) {
    assert.deepEqual(entry.data, Buffer.from(tree[entry.name] ?? ''), entry.name);
    assert.equal(entry.mode, entry.name.endsWith('.sh') ? 0o100755 : 0o100644, entry.name);
    // DOS date 1980-01-01 (day 1, month 1, year 0) and time 00:00:00.
    assert.equal(entry.date, `${(1 << 5) | 1}/0`, entry.name);
    // Already-compressed types and empty files are stored, the rest deflated.
    const stored = entry.name.endsWith('.png') || entry.data.length === 0;
    assert.equal(entry.method, stored ? 0 : 8, entry.name);
  }
});

void test('python and unzip read the zip', async (t) => {
  const root = await tempDir(t);
  const out = join(await tempDir(t), 'code.zip');
  await writeTree(root, paths, new Date(), 0o644);
  await packProject({ root, include: [], exclude: [], outPath: out });
  const script = [
    'import sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'assert z.testzip() is None',
    'for i in z.infolist(): print(i.filename, oct(i.external_attr >> 16), i.date_time)',
  ].join('\n');
  const { stdout } = await run('python3', ['-c', script, out]);
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, paths.length);
  assert.ok(lines.includes('run.sh 0o100755 (1980, 1, 1, 0, 0, 0)'), stdout);
  assert.ok(lines.includes('train.py 0o100644 (1980, 1, 1, 0, 0, 0)'), stdout);
  const unzip = await run('unzip', ['-tq', out]).catch(() => undefined);
  if (unzip !== undefined) assert.match(unzip.stdout, /No errors detected/);
});

void test('the same files give the same hash whatever the order, mtimes and umask', async (t) => {
  const a = await tempDir(t);
  const b = await tempDir(t);
  const outDir = await tempDir(t);
  await writeTree(a, paths, new Date('2024-05-01T12:00:00Z'), 0o644);
  await writeTree(b, [...paths].reverse(), new Date('2001-09-09T01:46:40Z'), 0o600);
  const first = await packProject({
    root: a,
    include: [],
    exclude: [],
    outPath: join(outDir, '1.zip'),
  });
  const again = await packProject({
    root: a,
    include: [],
    exclude: [],
    outPath: join(outDir, '2.zip'),
  });
  const copy = await packProject({
    root: b,
    include: [],
    exclude: [],
    outPath: join(outDir, '3.zip'),
  });
  assert.equal(again.codeHash, first.codeHash);
  assert.equal(copy.codeHash, first.codeHash);

  // A changed byte or a changed executable bit is a different hash.
  await writeFile(join(b, 'train.py'), 'import sys\nprint(sys.argv) \n');
  const edited = await packProject({
    root: b,
    include: [],
    exclude: [],
    outPath: join(outDir, '4.zip'),
  });
  assert.notEqual(edited.codeHash, first.codeHash);
  await writeFile(join(b, 'train.py'), tree['train.py'] ?? '');
  await chmod(join(b, 'train.py'), 0o755);
  const chmodded = await packProject({
    root: b,
    include: [],
    exclude: [],
    outPath: join(outDir, '5.zip'),
  });
  assert.notEqual(chmodded.codeHash, first.codeHash);
});

void test('the hash does not depend on the time zone', async (t) => {
  const root = await tempDir(t);
  const outDir = await tempDir(t);
  await writeTree(root, paths, new Date(), 0o644);
  const moduleUrl = new URL('../../src/pack/index.js', import.meta.url).href;
  const hashes = new Set<string>();
  for (const tz of ['UTC', 'Asia/Tokyo', 'America/St_Johns']) {
    const script = `const { packProject } = await import(${JSON.stringify(moduleUrl)});
      const r = await packProject({ root: process.argv[1], include: [], exclude: [], outPath: process.argv[2] });
      console.log(r.codeHash);`;
    const out = join(outDir, `${tz.replace('/', '-')}.zip`);
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', script, root, out],
      {
        env: { ...process.env, TZ: tz },
      },
    );
    hashes.add(stdout.trim());
  }
  assert.equal(hashes.size, 1, [...hashes].join(' '));
});

void test('a zip written inside the project is never packed into the next one', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, ['train.py'], new Date(), 0o644);
  const outPath = join(root, 'cache', 'code.zip');
  const first = await packProject({ root, include: [], exclude: [], outPath });
  const second = await packProject({ root, include: [], exclude: [], outPath });
  assert.deepEqual(second.files, ['train.py']);
  assert.equal(second.codeHash, first.codeHash);
});

void test('a project with nothing to pack is a usage error with a hint', async (t) => {
  const root = await tempDir(t);
  const outPath = join(await tempDir(t), 'code.zip');
  await assert.rejects(packProject({ root, include: [], exclude: [], outPath }), (error) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /nothing to pack/);
    assert.match(error.hint ?? '', /include/);
    return true;
  });
  // Secrets alone are nothing to pack either.
  await writeFile(join(root, 'kaggle.json'), '{}');
  await assert.rejects(packProject({ root, include: [], exclude: [], outPath }), UsageError);
  await assert.rejects(readFile(outPath), { code: 'ENOENT' });
});

void test(
  'an unreadable file is a usage error naming it',
  { skip: process.getuid?.() === 0 },
  async (t) => {
    const root = await tempDir(t);
    const outPath = join(await tempDir(t), 'code.zip');
    await writeTree(root, ['train.py', 'src/model.py'], new Date(), 0o644);
    await chmod(join(root, 'src/model.py'), 0o000);
    await assert.rejects(
      packProject({ root, include: [], exclude: [], outPath }),
      (error: unknown) => error instanceof UsageError && /src\/model\.py/.test(error.message),
    );
    await assert.rejects(readFile(outPath), { code: 'ENOENT' });
  },
);

void test('a file that changes between listing and reading fails the pack, naming it', async (t) => {
  const root = await tempDir(t);
  const outPath = join(await tempDir(t), 'code.zip');
  await writeTree(root, ['train.py', 'src/model.py'], new Date(), 0o644);
  const { entries } = await collectFiles(root, { include: [], exclude: [] });
  await writeFile(join(root, 'src/model.py'), 'grown since it was listed\n'.repeat(10));
  await assert.rejects(writeDeterministicZip(entries, outPath), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /src\/model\.py changed while it was being packed/);
    return true;
  });
  // Neither the zip nor its temp file is left behind.
  assert.deepEqual(await readdir(dirname(outPath)), []);
});

// Several deflate blocks per file, a stored big file, and ZIP64 fields forced on every entry
// and on the end records: python, unzip and yauzl must all read the same bytes back.
void test('multi-block files and ZIP64 records read back in python, unzip and yauzl', async (t) => {
  const root = await tempDir(t);
  const outDir = await tempDir(t);
  const line = (i: number) => `row ${i % 977},${(i * 7919) % 10007},label_${i % 13}\n`;
  const big = Buffer.from(Array.from({ length: 200_000 }, (_, i) => line(i)).join(''));
  assert.ok(big.length > 3 * 1024 * 1024);
  const blob = Buffer.alloc(2 * 1024 * 1024 + 17, 7);
  await writeFile(join(root, 'big.csv'), big);
  await writeFile(join(root, 'weights.pt'), blob);
  await writeFile(join(root, 'empty.txt'), '');
  const { entries } = await collectFiles(root, { include: [], exclude: [] });
  const expected = new Map([
    ['big.csv', big],
    ['empty.txt', Buffer.alloc(0)],
    ['weights.pt', blob],
  ]);

  for (const zip64Limit of [undefined, 0]) {
    const out = join(outDir, `zip64-${String(zip64Limit)}.zip`);
    const result = await writeDeterministicZip(
      entries,
      out,
      zip64Limit === undefined ? {} : { zip64Limit },
    );
    assert.equal(result.sha256, (await sha256File(out)).sha256);
    const read = await readZip(out);
    assert.deepEqual(
      read.map((e) => e.name),
      [...expected.keys()],
    );
    for (const entry of read)
      assert.ok(entry.data.equals(expected.get(entry.name) as Buffer), entry.name);
    // Deflate with a primed window compresses this repetitive file as one stream would.
    assert.ok(result.zipBytes < big.length / 3 + blob.length + 4096, String(result.zipBytes));
    const script = [
      'import sys, zipfile, hashlib',
      'z = zipfile.ZipFile(sys.argv[1])',
      'assert z.testzip() is None',
      'for i in z.infolist(): print(i.filename, i.file_size, hashlib.sha256(z.read(i)).hexdigest())',
    ].join('\n');
    const { stdout } = await run('python3', ['-c', script, out]);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.deepEqual(
      stdout.trim().split('\n'),
      [...expected].map(([name, data]) => `${name} ${data.length} ${sha(data)}`),
    );
    const unzip = await run('unzip', ['-tq', out]).catch((error: unknown) => error);
    if (!(unzip instanceof Error && 'code' in unzip && unzip.code === 'ENOENT')) {
      assert.match((unzip as { stdout: string }).stdout, /No errors detected/);
    }
  }
});
