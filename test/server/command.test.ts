import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { runServerCommand, serverOptionsFromFlags } from '../../src/server/command.js';
import { startServer } from '../../src/server/server.js';
import { basic, onCleanup, tempDir } from './helpers.js';

void test('runServerCommand prints the listening line first and serves until stopped', async (t) => {
  const dir = await tempDir(t);
  const accounts = join(dir, 'accounts.json');
  await writeFile(accounts, JSON.stringify([{ username: 'alice', key: 'alice-key' }]));
  let stdout = '';
  let stderr = '';
  let announce: (line: string) => void = () => undefined;
  const listening = new Promise<string>((resolve) => (announce = resolve));
  const stop = new AbortController();
  const running = runServerCommand(
    {
      port: '0',
      dataDir: join(dir, 'data'),
      accounts,
      faults: '0',
      faultSeed: '3',
      gpuSessions: '1',
    },
    {
      stdout: {
        write: (text: string) => {
          stdout += text;
          announce(stdout);
        },
      },
      stderr: { write: (text: string) => (stderr += text) },
      signal: stop.signal,
    },
  );
  const first = (await listening).split('\n')[0]!;
  const match = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(first);
  assert.ok(match, first);
  const url = match[1]!;
  const quota = await fetch(`${url}/v1/kernels.KernelsApiService/GetAcceleratorQuotaStatistics`, {
    method: 'POST',
    headers: { Authorization: basic({ username: 'alice', key: 'alice-key' }) },
    body: '{}',
  });
  assert.equal(quota.status, 200);
  const stats = (await (
    await fetch(`${url}/_stats`, {
      headers: { Authorization: basic({ username: 'alice', key: 'alice-key' }) },
    })
  ).json()) as { faultSeed: number };
  assert.equal(stats.faultSeed, 3);
  stop.abort();
  await running;
  assert.match(stderr, /data folder: .*data/);
  await assert.rejects(fetch(`${url}/_stats`));
});

void test('bad flags and a missing account are usage errors that say what to do', async (t) => {
  await assert.rejects(serverOptionsFromFlags({ port: 'eighty' }), UsageError);
  await assert.rejects(serverOptionsFromFlags({ port: '70000' }), UsageError);
  await assert.rejects(serverOptionsFromFlags({ gpuSessions: '-1' }), UsageError);
  await assert.rejects(serverOptionsFromFlags({ sessionTimeout: '0' }), UsageError);
  await assert.rejects(serverOptionsFromFlags({ faults: 'gremlins=1' }), UsageError);
  await assert.rejects(serverOptionsFromFlags({ accounts: '/no/such/file.json' }), UsageError);
  const dir = await tempDir(t);
  const bad = join(dir, 'accounts.json');
  await writeFile(bad, JSON.stringify([{ username: 'bob' }]));
  await assert.rejects(serverOptionsFromFlags({ accounts: bad }), /needs a "key" or a "token"/);

  const options = await serverOptionsFromFlags({ quotaHours: '2.5', sessionTimeout: '60' }, {});
  assert.equal(options.gpuQuotaHours, 2.5);
  assert.equal(options.sessionTimeoutSeconds, 60);
  await assert.rejects(startServer({ ...options, dataDir: dir }), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.hint ?? '', /KAGGLE_USERNAME/);
    return true;
  });
  // KAGGLE_USERNAME / KAGGLE_KEY make the default account.
  const fromEnv = await startServer({
    dataDir: dir,
    env: { KAGGLE_USERNAME: 'envuser', KAGGLE_KEY: 'envkey' },
  });
  onCleanup(t, () => fromEnv.close());
  const ok = await fetch(`${fromEnv.url}/v1/kernels.KernelsApiService/ListKernels`, {
    method: 'POST',
    headers: { Authorization: basic({ username: 'envuser', key: 'envkey' }) },
    body: '{}',
  });
  assert.equal(ok.status, 200);
});
