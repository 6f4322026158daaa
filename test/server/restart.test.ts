import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer } from '../../src/server/server.js';
import { RESTARTED_MESSAGE } from '../../src/server/kernel-store.js';
import {
  listAllOutput,
  ME,
  OTHER,
  onCleanup,
  PYTHON,
  push,
  rpc,
  scriptPush,
  tempDir,
  waitForEnd,
  waitForGo,
} from './helpers.js';

void test('a restarted server on the same data folder still knows its kernels and serves outputs', async (t) => {
  const dataDir = await tempDir(t);
  const options = {
    dataDir,
    accounts: [ME, OTHER],
    python: PYTHON,
    sandbox: 'none' as const,
    trustedUser: true,
  };
  const first = await startServer(options);
  let firstClosed = false;
  onCleanup(t, () => (firstClosed ? undefined : first.close()));
  const pushed = await push(
    first,
    scriptPush('survives-restart', "open('kept.txt','w').write('kept')\nprint('ran')"),
  );
  await waitForEnd(first, 'survives-restart');
  const before = await listAllOutput(first, 'survives-restart', 20);
  await push(first, scriptPush('was-running', waitForGo('pass', 'pass')));
  await first.close();
  firstClosed = true;

  const second = await startServer({ ...options, port: 0 });
  onCleanup(t, () => second.close());
  assert.deepEqual(await waitForEnd(second, 'survives-restart'), { status: 'COMPLETE' });
  // A session the server stopped is an ERROR that says why.
  assert.deepEqual(await waitForEnd(second, 'was-running'), {
    status: 'ERROR',
    failureMessage: RESTARTED_MESSAGE,
  });

  const after = await listAllOutput(second, 'survives-restart', 20);
  assert.deepEqual(
    after.files.map((f) => f.fileName),
    ['kept.txt'],
  );
  assert.match(after.pages[0]?.log as string, /"data":"ran\\n"/);
  assert.equal(await (await fetch(after.files[0]!.url)).text(), 'kept');
  // The signing secret is kept too: a URL handed out before the restart still works
  // (with the new port).
  const oldUrl = before.files[0]!.url.replace(first.url, second.url);
  assert.equal(await (await fetch(oldUrl)).text(), 'kept');

  // Kernel ids keep counting up.
  const next = await push(second, scriptPush('after-restart', 'print(1)'));
  assert.ok((next.kernelId as number) > (pushed.kernelId as number) + 1);
  const v2 = await push(second, scriptPush('survives-restart', 'print(2)'));
  assert.equal(v2.versionNumber, 2);
  await waitForEnd(second, 'after-restart');
  await waitForEnd(second, 'survives-restart');
});

void test('a version left RUNNING with no session process becomes ERROR on load', async (t) => {
  const dataDir = await tempDir(t);
  const options = { dataDir, accounts: [ME], python: PYTHON, sandbox: 'none' as const };
  const first = await startServer(options);
  await push(first, scriptPush('crashed-kernel', 'print(1)'));
  await waitForEnd(first, 'crashed-kernel');
  await first.close();
  // What a crash between saving RUNNING and starting the process leaves behind: the record
  // says RUNNING, and there is no trace of a session process.
  await rm(join(dataDir, 'kernels', 'me', 'crashed-kernel', '1', 'session'), { recursive: true });
  const file = join(dataDir, 'kernels', 'me', 'crashed-kernel', 'kernel.json');
  const record = JSON.parse(await readFile(file, 'utf8')) as { versions: { status: string }[] };
  record.versions[0]!.status = 'RUNNING';
  await writeFile(file, JSON.stringify(record));

  const second = await startServer(options);
  onCleanup(t, () => second.close());
  const status = await rpc(second, 'GetKernelSessionStatus', {
    userName: 'me',
    kernelSlug: 'crashed-kernel',
  });
  assert.deepEqual(status.body, { status: 'ERROR', failureMessage: RESTARTED_MESSAGE });
  await second.close();
  const saved = JSON.parse(await readFile(file, 'utf8')) as { versions: { status: string }[] };
  assert.equal(saved.versions[0]!.status, 'ERROR');
});
