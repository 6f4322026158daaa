// Runs that survive their process: --detach / SIGINT / a second `run`, then `attach`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunRecord } from '../../src/run/record.js';
import { packageRoot } from '../../src/util/package-root.js';
import { kaggleEnv, release, startTestServer, waitForGo } from '../server/helpers.js';
import { copyExample, runCli } from '../helpers/cli.js';
import { waitUntil } from '../helpers/wait.js';
import { assertDoneFetched, startDetachedRun, ticksProgram } from '../helpers/detached-run.js';

const SLOW_TRAIN = ticksProgram(4);

void test('--detach, then attach: follows the run to its end and fetches verified outputs, one push', async (t) => {
  const { server, dir, env, record: detached } = await startDetachedRun(t, SLOW_TRAIN);
  const { runId } = detached;
  const attached = await runCli(['attach', runId, '--json'], { cwd: dir, env });
  assert.equal(attached.code, 0, attached.stderr);
  const record = JSON.parse(attached.stdout) as RunRecord;
  assert.equal(record.runId, runId);
  assert.equal(record.status, 'complete');
  await assertDoneFetched(record);
  assert.match(attached.stderr, /tick 3/);
  assert.equal(server.stats().pushes['me/kaggle-run-hello'], 1);
  const again = await runCli(['attach', runId, '--json'], { cwd: dir, env });
  assert.equal(again.code, 0, 'attaching to a finished run just reports it');
});

void test('running an identical job again while it is in flight attaches instead of pushing; --new pushes', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  await writeFile(join(dir, 'train.py'), SLOW_TRAIN);
  const env = await kaggleEnv(t);
  const base = ['run', dir, '--kaggle', '--endpoint', server.url];
  const first = await runCli([...base, '--detach', '--json'], { env });
  assert.equal(first.code, 0, first.stderr);
  const second = await runCli([...base, '--json'], { env });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /identical run .* still in flight; attaching/);
  assert.equal(
    (JSON.parse(second.stdout) as RunRecord).runId,
    (JSON.parse(first.stdout) as RunRecord).runId,
  );
  assert.equal(server.stats().pushes['me/kaggle-run-hello'], 1);
  const forced = await runCli([...base, '--new', '--json'], { env });
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(server.stats().pushes['me/kaggle-run-hello'], 2);
  const changed = await runCli([...base, '-p', 'epochs=9', '--detach'], { env });
  assert.equal(changed.code, 0, changed.stderr);
  assert.equal(server.stats().pushes['me/kaggle-run-hello'], 3, 'other params are another run');
});

void test('attach refuses runs that never reached Kaggle, local runs, and runs another process watches', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  const env = await kaggleEnv(t);
  await writeFile(join(dir, 'big.bin'), randomBytes(1200 * 1024));
  const refused = await runCli(
    ['run', dir, '--kaggle', '--endpoint', server.url, '--code', 'inline'],
    { env },
  );
  assert.equal(refused.code, 2);
  const neverPushed = await runCli(['attach', 'last'], { cwd: dir, env });
  assert.equal(neverPushed.code, 2);
  assert.match(neverPushed.stderr, /never reached the platform/);

  await writeFile(join(dir, 'big.bin'), '');
  const local = await runCli(['run', dir, '--json'], { env });
  assert.equal(local.code, 0, local.stderr);
  const localAttach = await runCli(['attach', (JSON.parse(local.stdout) as RunRecord).runId], {
    cwd: dir,
    env,
  });
  assert.equal(localAttach.code, 0, 'a finished local run is reported as it is');

  // The run lasts until the test has seen attach refused: on a loaded machine a run of a
  // fixed length could end before `attach` starts.
  await writeFile(
    join(dir, 'train.py'),
    waitForGo(
      'print("tick 0", flush=True)',
      'os.makedirs("results", exist_ok=True)\nopen("results/done.txt", "w").write("done")',
    ),
  );
  const watcher = spawn(
    process.execPath,
    [join(packageRoot(), 'bin', 'kaggle-run.js'), 'run', dir, '--kaggle', '--endpoint', server.url],
    {
      env: { ...process.env, CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let seen = '';
  watcher.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  await waitUntil('the watched run ticks', () => seen.includes('tick 0'), { timeoutMs: 60_000 });
  const busy = await runCli(['attach', 'last'], { cwd: dir, env });
  assert.equal(busy.code, 2, busy.stderr);
  assert.match(busy.stderr, /being watched by process \d+/);
  await release(server, 'kaggle-run-hello', 1);
  const code = await new Promise<number | null>((resolve) => watcher.on('close', resolve));
  assert.equal(code, 0);
});

void test('Ctrl-C while watching a Kaggle run: exit 130 with the attach command; attach finishes it', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  await writeFile(join(dir, 'train.py'), SLOW_TRAIN);
  const env = await kaggleEnv(t);
  const child = spawn(
    process.execPath,
    [join(packageRoot(), 'bin', 'kaggle-run.js'), 'run', dir, '--kaggle', '--endpoint', server.url],
    {
      env: { ...process.env, CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('tick 0')) resolve();
    });
  });
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  const hint = /kaggle-run attach (\S+)/.exec(stderr);
  assert.ok(hint, stderr);
  const attached = await runCli(['attach', hint[1]!, '--json'], { cwd: dir, env });
  assert.equal(attached.code, 0, attached.stderr);
  assert.equal((JSON.parse(attached.stdout) as RunRecord).status, 'complete');
  assert.equal(server.stats().pushes['me/kaggle-run-hello'], 1);
});
