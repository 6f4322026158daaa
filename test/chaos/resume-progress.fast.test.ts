// A big output on a link that keeps breaking: each attempt resumes with Range and gets a
// little further. Progress must not count against the retry limit (only attempts in a row
// that bring nothing do), else a large checkpoint is lost after a fixed number of drops.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadToFile } from '../../src/kaggle/download.js';
import { KaggleHttp } from '../../src/kaggle/http.js';
import { tempDir } from '../helpers/temp.js';

const content = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7) % 251));
const CHUNK = 1000;

void test('a download cut short ten times, each time further along, completes verified', async (t) => {
  const ranges: string[] = [];
  // Serves at most CHUNK bytes from the requested offset, then drops the connection.
  const server = createServer((req, res) => {
    const range = String(req.headers.range ?? '');
    ranges.push(range);
    const start = Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0);
    const rest = content.length - start;
    res.writeHead(start === 0 ? 200 : 206, {
      'Content-Length': String(rest),
      'Accept-Ranges': 'bytes',
      ...(start === 0
        ? {}
        : { 'Content-Range': `bytes ${start}-${content.length - 1}/${content.length}` }),
    });
    if (rest <= CHUNK) {
      res.end(content.subarray(start));
      return;
    }
    res.write(content.subarray(start, start + CHUNK), () => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/f`;

  const retries: number[] = [];
  const http = new KaggleHttp({
    base: url,
    sleep: () => Promise.resolve(),
    onRetry: (info) => retries.push(info.attempt),
  });
  const dest = join(await tempDir(t), 'f');
  const result = await downloadToFile(http, url, dest, AbortSignal.timeout(30_000));
  assert.equal(result.bytes, content.length);
  assert.equal(result.restarts, 9);
  assert.ok((await readFile(dest)).equals(content));
  assert.deepEqual(
    ranges,
    Array.from({ length: 10 }, (_, i) => (i === 0 ? '' : `bytes=${i * CHUNK}-`)),
  );
  assert.equal(retries.length, 9);
});
