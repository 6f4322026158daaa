// A persistent run's log is read back from its file by each reader (file-log.ts): nothing is
// kept in memory but the part being read, and every entry comes once, in order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { LogTail } from '../../src/platform/local/detached-run.js';
import { FileLog } from '../../src/platform/local/file-log.js';
import { collectLines, type LogEntry } from '../../src/platform/local/log-lines.js';
import { tempDir } from '../helpers/temp.js';

const line = (i: number) =>
  `${JSON.stringify({ stream_name: 'stdout', time: i / 10, data: `step ${i}\n` })}\n`;

void test('a reader of a long log file takes it a part at a time, in order, each entry once', async (t) => {
  const path = join(await tempDir(t), 'log.jsonl');
  const count = 20_000;
  await writeFile(path, Array.from({ length: count }, (_, i) => line(i)).join(''));
  const tail = new LogTail(path, 64 * 1024);
  const seen: string[] = [];
  let reads = 0;
  for (let batch = await tail.read(); batch.length > 0; batch = await tail.read()) {
    reads++;
    // A read takes about its share of the file, not the whole of it.
    assert.ok(batch.length < count / 4, `${batch.length} entries in one read`);
    for (const entry of batch) seen.push(entry.data);
  }
  assert.ok(reads > 4, `${reads} reads`);
  assert.deepEqual(
    seen,
    Array.from({ length: count }, (_, i) => `step ${i}\n`),
  );
});

void test('followers replay the file from the start, follow it as it grows and end with the run', async (t) => {
  const path = join(await tempDir(t), 'log.jsonl');
  await writeFile(path, line(0));
  const log = new FileLog(path);
  const early: string[] = [];
  const following = (async () => {
    for await (const entry of log.follow()) early.push(entry.data);
  })();
  await appendFile(path, line(1));
  log.grew();
  await appendFile(path, line(2));
  // Written before the end was announced, without a grew(): still read.
  log.finish();
  await following;
  assert.deepEqual(early, ['step 0\n', 'step 1\n', 'step 2\n']);
  // A late reader gets the whole log; an aborted one stops.
  const late: string[] = [];
  for await (const entry of log.follow()) late.push(entry.data);
  assert.deepEqual(late, early);
  assert.deepEqual(
    (await log.read()).map((e) => e.data),
    early,
  );
});

void test('an aborted follower stops waiting', async (t) => {
  const path = join(await tempDir(t), 'log.jsonl');
  await writeFile(path, line(0));
  const log = new FileLog(path);
  const abort = new AbortController();
  const seen: string[] = [];
  const following = (async () => {
    for await (const entry of log.follow(abort.signal)) {
      seen.push(entry.data);
      abort.abort();
    }
  })();
  await following;
  assert.deepEqual(seen, ['step 0\n']);
});

void test('collectLines: the lines one chunk completes make one entry; a partial line waits', async () => {
  const stream = new PassThrough();
  const entries: LogEntry[] = [];
  const done = collectLines(stream, 'stdout', Date.now(), (e) => entries.push(e));
  stream.write('a\nb\nc');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    entries.map((e) => e.data),
    ['a\nb\n'],
  );
  stream.end('d\ne\n');
  await done;
  assert.deepEqual(
    entries.map((e) => e.data),
    ['a\nb\n', 'cd\ne\n'],
  );
});
