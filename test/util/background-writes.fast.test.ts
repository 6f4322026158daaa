// The file-writing thread: whole files and renames in the order sent, system errors with
// their code and path, and a process that used it still ends by itself.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { renameInBackground, writeInBackground } from '../../src/util/background-writes.js';
import { tempDir } from '../helpers/temp.js';

function owned(bytes: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

void test('writes and renames sent together land in order, each file exact', async (t) => {
  const dir = await tempDir(t);
  const contents = Array.from({ length: 200 }, (_, i) => randomBytes(i * 37));
  await Promise.all(
    contents.flatMap((bytes, i) => [
      writeInBackground(join(dir, `f${i}.partial`), owned(bytes)),
      // Sent right after its write, not awaited in between: the thread keeps the order.
      renameInBackground(join(dir, `f${i}.partial`), join(dir, `f${i}`)),
    ]),
  );
  assert.equal((await readdir(dir)).filter((n) => n.endsWith('.partial')).length, 0);
  for (const [i, bytes] of contents.entries()) {
    assert.ok((await readFile(join(dir, `f${i}`))).equals(bytes), `f${i}`);
  }
});

void test('a failing job rejects with the system error; the next ones still run', async (t) => {
  const dir = await tempDir(t);
  const missing = join(dir, 'no-such-folder', 'f');
  await assert.rejects(
    writeInBackground(missing, owned(Buffer.from('x'))),
    (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && e.path === missing,
  );
  await assert.rejects(
    renameInBackground(join(dir, 'absent'), join(dir, 'b')),
    (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && e.syscall === 'rename',
  );
  await writeInBackground(join(dir, 'ok'), owned(Buffer.from('fine')));
  assert.equal(await readFile(join(dir, 'ok'), 'utf8'), 'fine');
  assert.throws(
    () => void writeInBackground(join(dir, 'v'), Buffer.from('a view of a shared pool')),
    /must own its memory/,
  );
});

void test('a process that wrote through the thread ends by itself', async (t) => {
  const dir = await tempDir(t);
  const module = fileURLToPath(new URL('../../src/util/background-writes.js', import.meta.url));
  const script = `
    const { writeInBackground } = await import(${JSON.stringify(module)});
    const bytes = Buffer.allocUnsafeSlow(3);
    bytes.write('end');
    await writeInBackground(process.argv[1], bytes);`;
  // Bounded: a thread that held the process open would run into the timeout.
  await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script, join(dir, 'f')],
    { timeout: 30_000 },
  );
  assert.equal(await readFile(join(dir, 'f'), 'utf8'), 'end');
});
