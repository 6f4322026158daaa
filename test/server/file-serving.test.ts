// The server's file downloads end when their client goes away, whatever state the response
// was in: a download's file is never held open by a connection that is gone.

import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { test } from 'node:test';
import { waitUntil } from '../helpers/wait.js';
import {
  basic,
  listAllOutput,
  ME,
  push,
  release,
  scriptPush,
  startTestServer,
  waitForEnd,
  waitForGo,
} from './helpers.js';

/** How many of this process's open files end in `name` (the server runs in this process). */
function openFiles(name: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).endsWith(name)) count++;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

void test('a download pipelined behind an open log stream, on a connection the client drops, lets its file go', async (t) => {
  const server = await startTestServer(t);
  await push(server, scriptPush('one-file', "open('big.bin','wb').write(bytes(8 << 20))"));
  assert.deepEqual(await waitForEnd(server, 'one-file'), { status: 'COMPLETE' });
  // A kernel that runs until released: its live log stream stays open, sending nothing.
  await push(server, scriptPush('waiting', waitForGo('print("started")', 'print("done")')));
  t.after(() => release(server, 'waiting', 1));
  const { files } = await listAllOutput(server, 'one-file', 20);
  const file = new URL(files.find((f) => f.fileName === 'big.bin')!.url);
  const { hostname, port } = new URL(server.url);
  const socket = connect(Number(port), hostname);
  socket.pause();
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET /v1/kernels/logs/stream/me/waiting HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: ${basic(ME)}\r\n\r\n` +
      `GET ${file.pathname}${file.search} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`,
  );
  // The download is served while the log stream holds the connection: its response has no
  // socket of its own, and its writes wait behind the stream's.
  await waitUntil('the file open', () => openFiles('big.bin') === 1);
  socket.destroy();
  await waitUntil('the file closed after the client went away', () => openFiles('big.bin') === 0);
});
