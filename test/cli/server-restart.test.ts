// A `kaggle-run server` that goes away in the middle of a `run --kaggle` and comes back on
// the same port and data folder: the client waits out the outage and the run completes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { sha256Hex } from '../../src/util/hash.js';
import { packageRoot } from '../../src/util/package-root.js';
import { kaggleEnv, startTestServer, tempDir } from '../server/helpers.js';
import { copyExample } from '../helpers/cli.js';
import { waitUntil } from '../helpers/wait.js';
import { scaled } from '../helpers/machine.js';

void test('a server restarted mid-run: the CLI waits it out and the run completes verified', async (t) => {
  const dataDir = await tempDir(t);
  const first = await startTestServer(t, { dataDir });
  const dir = await copyExample(t, 'hello');
  await writeFile(
    join(dir, 'train.py'),
    'import os, time\nfor i in range(6):\n    print("tick", i, flush=True)\n    time.sleep(0.5)\nos.makedirs("results", exist_ok=True)\nopen("results/done.txt", "w").write("survived")\n',
  );
  const env = await kaggleEnv(t);
  const child = spawn(
    process.execPath,
    [
      join(packageRoot(), 'bin', 'kaggle-run.js'),
      'run',
      dir,
      '--kaggle',
      '--endpoint',
      first.url,
      '--json',
    ],
    { env: { ...process.env, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  await waitUntil('the first ticks', () => stderr.includes('tick 1'), { timeoutMs: 60_000 });
  await first.close({ detachSessions: true });
  // The server comes back once the CLI has met the outage.
  await waitUntil('the CLI notices the outage', () => stderr.includes('API unreachable'), {
    timeoutMs: 60_000,
  });
  const second = await startTestServer(t, { dataDir, port: first.port });
  // Bounded, so that a CLI that never finishes fails with what it printed.
  const bound = await scaled(180_000);
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    closed,
    new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), bound))),
  ]);
  clearTimeout(timer);
  if (code === 'hung') child.kill('SIGKILL');
  assert.equal(code, 0, `after ${bound} ms:\n${stderr}`);
  const record = JSON.parse(stdout) as RunRecord;
  assert.equal(record.status, 'complete');
  assert.equal(await readFile(join(record.outputDir, 'results/done.txt'), 'utf8'), 'survived');
  assert.equal(sha256Hex('survived'), record.outputs[0]?.sha256);
  for (let i = 0; i < 6; i++) {
    assert.equal(stderr.split(`tick ${i}\n`).length - 1, 1, `tick ${i} exactly once:\n${stderr}`);
  }
  assert.equal(
    second.stats().pushes['me/kaggle-run-hello'] ?? 0,
    0,
    'no second push after the restart',
  );
});
