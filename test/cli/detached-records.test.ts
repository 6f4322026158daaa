// Records that tell the truth around --detach (refused for a local run): `logs -f` of a run
// nobody watches finishes its record and fetches its outputs; `status` says when a record is behind its platform; a
// detached run of a job whose twin is in flight returns at once, naming the twin; a run that
// cannot reach its platform (no credentials, a wrong key, the server down) leaves no record.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { kaggleEnv, startTestServer } from '../server/helpers.js';
import { cli, copyExample, runCli } from '../helpers/cli.js';
import { waitUntil } from '../helpers/wait.js';
import { tempDir } from '../helpers/temp.js';
import { assertDoneFetched, startDetachedRun, ticksProgram } from '../helpers/detached-run.js';

const TICKS = ticksProgram(3);

interface StatusJson {
  status: string;
  step: string;
  remoteStatus: string | null;
  next: string | null;
}

async function statusOf(dir: string, runId: string, env: NodeJS.ProcessEnv): Promise<StatusJson> {
  const result = await cli(['status', runId, '--json'], { cwd: dir, env });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as StatusJson;
}

void test('--detach, then logs -f: the log to its end, the outputs fetched and verified, the record finished', async (t) => {
  const { server, dir, env, record: detached } = await startDetachedRun(t, TICKS);
  const { runId } = detached;
  assert.equal(detached.step, 'pushed');
  assert.equal(detached.kernel, 'me/kaggle-run-hello');
  // A local run ends with its process: nothing to detach from.
  const local = await cli(['run', dir, '--detach'], { env });
  assert.equal(local.code, 2);
  assert.match(local.stderr, /--detach needs a remote platform/);

  // Nobody watches the run: status says how to pick it up, whatever the platform says now.
  const before = await statusOf(dir, runId, env);
  assert.equal(before.step, 'pushed');
  assert.match(before.next ?? '', new RegExp(`kaggle-run attach ${runId}`));

  const logs = await runCli(['logs', runId, '-f'], { cwd: dir, env });
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /tick 0\ntick 1\ntick 2\n/);
  assert.match(logs.stderr, new RegExp(`run ${runId}: complete; 1 output file`));

  const record = JSON.parse(
    await readFile(join(dir, '.kaggle-run', 'runs', runId, 'run.json'), 'utf8'),
  ) as RunRecord;
  assert.equal(record.status, 'complete');
  assert.equal(record.step, 'done');
  assert.notEqual(record.endedAt, null);
  await assertDoneFetched(record);
  const after = await statusOf(dir, runId, env);
  assert.equal(after.status, 'complete');
  assert.equal(after.remoteStatus, 'COMPLETE');
  assert.equal(after.next, null, 'nothing left to do');
  // The saved log is the whole log, once: a second `logs` prints it again from the store.
  const again = await runCli(['logs', runId], { cwd: dir, env });
  assert.equal(again.stdout.match(/tick 1/g)?.length, 1, again.stdout);
  assert.equal(server.stats().pushes['me/kaggle-run-hello'], 1);
});

void test('status of a detached run that ended on the platform says its outputs are not fetched yet', async (t) => {
  const { dir, env, record: detached } = await startDetachedRun(t);
  const { runId } = detached;
  // Bounded: the hello program takes a few seconds; the platform's end is what is waited on.
  const now = await waitUntil(
    'the platform reports the run COMPLETE',
    async () => {
      const status = await statusOf(dir, runId, env);
      return status.remoteStatus === 'COMPLETE' ? status : undefined;
    },
    { timeoutMs: 60_000, everyMs: 500 },
  );
  assert.equal(now.status, 'queued', 'the record is behind: nobody fetched the run');
  assert.match(now.next ?? '', /outputs are not fetched yet: `kaggle-run attach /);
  const attached = await runCli(['attach', runId, '--json'], { cwd: dir, env });
  assert.equal(attached.code, 0, attached.stderr);
  assert.equal((await statusOf(dir, runId, env)).next, null);
});

void test('--detach of a job whose twin is in flight returns at once, naming the twin, without a new run', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  // Long enough that a second command waiting for the run could not return before its end.
  await writeFile(
    join(dir, 'train.py'),
    'import time\nprint("start", flush=True)\ntime.sleep(300)\n',
  );
  const env = await kaggleEnv(t);
  const base = ['run', dir, '--kaggle', '--endpoint', server.url, '--detach', '--json'];
  const first = await runCli(base, { env });
  assert.equal(first.code, 0, first.stderr);
  const { runId } = JSON.parse(first.stdout) as RunRecord;
  const second = await runCli(base, { env, timeoutMs: 120_000 });
  assert.equal(second.code, 0, second.stderr);
  assert.equal((JSON.parse(second.stdout) as RunRecord).runId, runId, 'the twin is named');
  assert.match(second.stderr, new RegExp(`identical run \\(${runId}.*not pushing again`));
  assert.notEqual((await statusOf(dir, runId, env)).remoteStatus, 'COMPLETE', 'it did not wait');
  assert.deepEqual(await readdir(join(dir, '.kaggle-run', 'runs')), [runId], 'no other run');
  assert.equal(server.stats().pushes['me/kaggle-run-hello'], 1);
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

void test('a run that cannot reach its platform stops before packing and leaves no record', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  const home = await tempDir(t);
  const none = {
    HOME: home,
    KAGGLE_CONFIG_DIR: home,
    KAGGLE_USERNAME: '',
    KAGGLE_KEY: '',
    KAGGLE_API_TOKEN: '',
  };
  const cases: {
    what: string;
    env: NodeJS.ProcessEnv;
    endpoint: string;
    code: number;
    says: RegExp;
  }[] = [
    { what: 'no credentials', env: none, endpoint: server.url, code: 2, says: /credentials/i },
    {
      what: 'a wrong key',
      env: { ...(await kaggleEnv(t)), KAGGLE_KEY: 'not-the-key' },
      endpoint: server.url,
      code: 3,
      says: /credentials/i,
    },
    {
      what: 'the server down',
      env: await kaggleEnv(t),
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      code: 3,
      says: /127\.0\.0\.1|reach|connect/i,
    },
  ];
  for (const c of cases) {
    const result = await runCli(['run', dir, '--kaggle', '--endpoint', c.endpoint], { env: c.env });
    assert.equal(result.code, c.code, `${c.what}: ${result.stderr}`);
    assert.match(result.stderr, c.says, c.what);
    assert.ok(!existsSync(join(dir, '.kaggle-run', 'runs')), `${c.what}: no run record`);
    assert.ok(!existsSync(join(dir, '.kaggle-run', 'cache', 'pack')), `${c.what}: nothing packed`);
  }
  assert.deepEqual(server.stats().pushes, {});
});
