// `kaggle-run server` told to stop (SIGTERM) while a session prints as fast as it can and a
// client reads its live log: it exits within seconds, and the version's log was persisted
// as it went (every line in order).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../src/util/package-root.js';
import { parsePersistedLog } from '../../src/kaggle/log-entry.js';
import { logRecords } from '../../src/platform/log-records.js';
import { bodyReader } from '../../src/kaggle/response.js';
import { ME, PYTHON, basic, push, rpc, scriptPush, tempDir } from '../server/helpers.js';
import { scaled } from '../helpers/machine.js';

const CHATTY = `i = 0
while True:
    print(f"step {i}")
    i += 1
`;

void test('SIGTERM stops the server within seconds while a session floods its log; the log was persisted as it went', async (t) => {
  const dataDir = await tempDir(t);
  const child = spawn(
    process.execPath,
    [
      join(packageRoot(), 'bin', 'kaggle-run.js'),
      'server',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--python',
      PYTHON,
    ],
    {
      env: { ...process.env, KAGGLE_USERNAME: ME.username, KAGGLE_KEY: ME.key },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^listening on (\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error('the server exited before listening')));
  });
  const server = { url };
  await push(server, scriptPush('flood', CHATTY));

  // A live reader, as a client following the run would be; it reads until the server goes.
  const stream = await fetch(`${url}/api/v1/kernels/logs/stream/me/flood`, {
    headers: { Authorization: basic(ME), Accept: 'text/event-stream' },
  });
  const reader = bodyReader(stream.body!);
  let seen = 0;
  // Wait until the flood is well under way: 20,000 lines read live (an event carries many).
  while (seen < 20_000) {
    const chunk = await reader.read();
    assert.equal(chunk.done, false, 'the live log ended early');
    if (chunk.done) break;
    seen += Buffer.from(chunk.value).toString().split('step ').length - 1;
  }
  const status = await rpc(server, 'GetKernelSessionStatus', {
    userName: 'me',
    kernelSlug: 'flood',
  });
  assert.equal(status.body.status, 'RUNNING');

  const limit = await scaled(15_000); // on an idle machine, stretched by its slowness
  const started = Date.now();
  child.kill('SIGTERM');
  const code = await exited;
  const took = Date.now() - started;
  void reader.cancel().catch(() => undefined);
  assert.equal(code, 0);
  assert.ok(took < limit, `the server took ${took} ms to stop`);

  const log = parsePersistedLog(
    await readFile(join(dataDir, 'kernels', 'me', 'flood', 'meta', '1.log'), 'utf8'),
  );
  // An entry holds what one read of the pipe brought, so a line can span two entries (a
  // writer descheduled mid-line past the partial-line pause): lines are read from the
  // stream's text, as a reader of Kaggle's logs joins them.
  const stdout = log
    .filter((e) => e.stream === 'stdout')
    .map((e) => e.data)
    .join('');
  const steps = logRecords(stdout)
    .filter((line) => line.startsWith('step '))
    .map((data) => ({ data }));
  assert.ok(steps.length >= 20_000, `${steps.length} lines persisted`);
  // The line being written when the session was stopped may have come out cut short, so
  // the last one only has to be the start of its line; every other is whole and in order.
  const misplaced = steps.filter(
    (e, i) =>
      e.data !== `step ${i}\n` && !(i === steps.length - 1 && `step ${i}\n`.startsWith(e.data)),
  ).length;
  assert.equal(misplaced, 0, 'persisted lines out of order or missing');
  const kernel = JSON.parse(
    await readFile(join(dataDir, 'kernels', 'me', 'flood', 'kernel.json'), 'utf8'),
  ) as { versions: { status: string }[] };
  assert.equal(kernel.versions[0]!.status, 'ERROR');
});
