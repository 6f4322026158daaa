// The file-writing thread: whole files and renames in the order sent (a process's first
// jobs done inline, the rest on the thread), system errors with their code and path, and a
// process that used it still ends by itself.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  INLINE_JOBS,
  renameInBackground,
  writeInBackground,
} from '../../src/util/background-writes.js';
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

/** Runs `body` in a fresh node process (its own count of jobs done inline), bounded. */
async function inFreshProcess(body: string, ...args: string[]): Promise<string> {
  const module = fileURLToPath(new URL('../../src/util/background-writes.js', import.meta.url));
  const script = `
    const { INLINE_JOBS, renameInBackground, writeInBackground } = await import(${JSON.stringify(module)});
    const { existsSync } = await import('node:fs');
    const owned = (text) => { const b = Buffer.allocUnsafeSlow(text.length); b.write(text); return b; };
    ${body}`;
  // Bounded: a thread that held the process open would run into the timeout.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script, ...args],
    { timeout: 30_000 },
  );
  return stdout;
}

void test("a process's first jobs are done before the call returns; later ones on the thread, in order", async (t) => {
  const dir = await tempDir(t);
  const out = await inFreshProcess(
    `const dir = process.argv[1];
    const sent = [];
    for (let i = 0; i < INLINE_JOBS + 20; i++) {
      const partial = dir + '/f' + i + '.partial';
      sent.push(writeInBackground(partial, owned('file ' + i)));
      sent.push(renameInBackground(partial, dir + '/f' + i));
      // Done already (the file is in place as the calls return), or not yet: a thread has it.
      process.stdout.write(existsSync(dir + '/f' + i) ? 'now ' : 'later ');
    }
    await Promise.all(sent);`,
    dir,
  );
  // Each file is two jobs: the first INLINE_JOBS / 2 files are written inline.
  const inline = Math.floor(INLINE_JOBS / 2);
  const files = INLINE_JOBS + 20;
  assert.deepEqual(
    out.trim().split(' '),
    Array.from({ length: files }, (_, i) => (i < inline ? 'now' : 'later')),
  );
  for (let i = 0; i < files; i++) {
    assert.equal(await readFile(join(dir, `f${i}`), 'utf8'), `file ${i}`);
  }
  assert.equal((await readdir(dir)).length, files);
});

void test('a process that wrote through the thread ends by itself', async (t) => {
  const dir = await tempDir(t);
  await inFreshProcess(
    `for (let i = 0; i <= INLINE_JOBS; i++) await writeInBackground(process.argv[1], owned('end'));`,
    join(dir, 'f'),
  );
  assert.equal(await readFile(join(dir, 'f'), 'utf8'), 'end');
});
