import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  basic,
  kernelStdout,
  ME,
  push,
  release,
  rpc,
  scriptPush,
  startTestServer,
  tempDir,
  waitForEnd,
  waitForGo,
} from './helpers.js';

/** Reads the SSE log until END_OF_LOG (or the stream ends); returns the data payloads. */
async function readToEnd(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length));
}

void test('END_OF_LOG comes once the terminal status is saved: a status check right after sees the end', async (t) => {
  const server = await startTestServer(t);
  await push(server, scriptPush('end-of-log', waitForGo("print('one')", "print('two')")));
  const stream = await fetch(`${server.url}/api/v1/kernels/logs/stream/me/end-of-log`, {
    headers: { Authorization: basic(ME), Accept: 'text/event-stream' },
  });
  assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events = readToEnd(stream);
  await release(server, 'end-of-log', 1);
  assert.equal((await events).at(-1), 'END_OF_LOG');
  const status = await rpc(server, 'GetKernelSessionStatus', {
    userName: 'me',
    kernelSlug: 'end-of-log',
  });
  assert.equal(status.body.status, 'COMPLETE');
  // The log file was written before that status.
  assert.match(await kernelStdout(server, 'end-of-log'), /two\n/);
});

void test('sessions start the interpreter behind a launcher directly, with what the launcher set', async (t) => {
  const dir = await tempDir(t);
  const shim = join(dir, 'python-shim');
  // Counts its own starts: once for the server's look-up, never per session.
  await writeFile(
    shim,
    [
      '#!/bin/sh',
      `echo started >> ${JSON.stringify(join(dir, 'starts'))}`,
      'export LAUNCHED_BY=test-shim',
      'exec /usr/bin/python3 "$@"',
      '',
    ].join('\n'),
  );
  await chmod(shim, 0o755);
  const server = await startTestServer(t, { python: shim });
  const source = ['import os, sys', 'print(sys.executable, os.environ.get("LAUNCHED_BY"))'].join(
    '\n',
  );
  for (const slug of ['launcher-one', 'launcher-two']) {
    await push(server, scriptPush(slug, source));
    assert.deepEqual(await waitForEnd(server, slug), { status: 'COMPLETE' });
    const output = await rpc(server, 'ListKernelSessionOutput', {
      userName: 'me',
      kernelSlug: slug,
    });
    assert.match(output.body.log as string, /"data":"\/usr\/bin\/python3 test-shim\\n"/);
  }
  assert.equal((await readFile(join(dir, 'starts'), 'utf8')).trim().split('\n').length, 1);
});
