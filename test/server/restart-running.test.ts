import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer } from '../../src/server/server.js';
import { PROCESS_GONE_MESSAGE } from '../../src/server/kernel-store.js';
import {
  basic,
  kernelStdout,
  listAllOutput,
  ME,
  onCleanup,
  PYTHON,
  push,
  release,
  scriptPush,
  tempDir,
  waitForEnd,
  waitForGo,
} from './helpers.js';
import { waitUntil } from '../helpers/wait.js';

/** The SSE body of the live log, up to END_OF_LOG. */
async function sseText(url: string, slug: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/kernels/logs/stream/me/${slug}`, {
    headers: { Authorization: basic(ME), Accept: 'text/event-stream' },
  });
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
  return response.text();
}

void test('a running session outlives its server; the next one adopts it and finishes it', async (t) => {
  const dataDir = await tempDir(t);
  const options = { dataDir, accounts: [ME], python: PYTHON, sandbox: 'none' as const };
  const first = await startServer(options);
  let firstClosed = false;
  onCleanup(t, () => (firstClosed ? undefined : first.close()));
  const source = waitForGo(
    "print('before restart')\nopen('early.txt','w').write('e')",
    "print('after restart')\nopen('late.txt','w').write('l')",
  );
  await push(first, scriptPush('long-run', source));
  // Wait until the first line is out, then leave the session running.
  const liveLog = join(dataDir, 'kernels', 'me', 'long-run', '1', 'session', 'log.jsonl');
  await waitUntil('the first line in the log', async () =>
    (await readFile(liveLog, 'utf8').catch(() => '')).includes('before restart'),
  );
  await first.close({ detachSessions: true });
  firstClosed = true;

  const second = await startServer({ ...options, port: first.port });
  onCleanup(t, () => second.close());
  assert.equal(second.url, first.url);
  const live = sseText(second.url, 'long-run');
  await release(second, 'long-run', 1);
  const text = await live;
  assert.match(text, /before restart/);
  assert.match(text, /after restart/);
  assert.ok(text.indexOf('before restart') < text.indexOf('after restart'));
  assert.match(text, /data: END_OF_LOG/);

  assert.deepEqual(await waitForEnd(second, 'long-run'), { status: 'COMPLETE' });
  const outputs = await listAllOutput(second, 'long-run', 20);
  assert.deepEqual(outputs.files.map((f) => f.fileName).sort(), ['early.txt', 'go', 'late.txt']);
  const log = outputs.pages[0]?.log as string;
  assert.equal(log.match(/before restart/g)?.length, 1);
  assert.equal(log.match(/after restart/g)?.length, 1);
});

void test('a session killed while no server watched ends as ERROR that says so', async (t) => {
  const dataDir = await tempDir(t);
  const options = { dataDir, accounts: [ME], python: PYTHON, sandbox: 'none' as const };
  const first = await startServer(options);
  let firstClosed = false;
  onCleanup(t, () => (firstClosed ? undefined : first.close()));
  await push(first, scriptPush('killed-run', waitForGo("print('started')", 'pass')));
  const session = join(dataDir, 'kernels', 'me', 'killed-run', '1', 'session');
  const pid = await waitUntil('the session started', async () => {
    const log = await readFile(join(session, 'log.jsonl'), 'utf8').catch(() => '');
    if (!log.includes('started')) return undefined;
    return (JSON.parse(await readFile(join(session, 'wrapper.json'), 'utf8')) as { pid: number })
      .pid;
  });
  await first.close({ detachSessions: true });
  firstClosed = true;
  // Killed from outside, wrapper included: nothing records how it ended.
  process.kill(-pid, 'SIGKILL');
  await waitUntil('the killed wrapper gone', () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });

  const second = await startServer(options);
  onCleanup(t, () => second.close());
  assert.deepEqual(await waitForEnd(second, 'killed-run'), {
    status: 'ERROR',
    failureMessage: PROCESS_GONE_MESSAGE,
  });
});

void test('a session that ended while no server ran is finalized from its exit record', async (t) => {
  const dataDir = await tempDir(t);
  const options = { dataDir, accounts: [ME], python: PYTHON, sandbox: 'none' as const };
  const first = await startServer(options);
  let firstClosed = false;
  onCleanup(t, () => (firstClosed ? undefined : first.close()));
  await push(
    first,
    scriptPush('ended-alone', waitForGo("print('one')", "print('two')\nraise SystemExit(3)")),
  );
  const session = join(dataDir, 'kernels', 'me', 'ended-alone', '1', 'session');
  await first.close({ detachSessions: true });
  firstClosed = true;
  await release(first, 'ended-alone', 1);
  await waitUntil(
    'the exit record',
    async () => (await readFile(join(session, 'exit.json'), 'utf8').catch(() => '')) !== '',
    { watch: session },
  );

  const second = await startServer(options);
  onCleanup(t, () => second.close());
  assert.deepEqual(await waitForEnd(second, 'ended-alone'), {
    status: 'ERROR',
    failureMessage: 'The kernel exited with code 3.',
  });
  assert.match(await kernelStdout(second, 'ended-alone'), /one\ntwo\n/);
});
