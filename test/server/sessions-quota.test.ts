import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  push,
  release,
  rpc,
  scriptPush,
  startTestServer,
  waitForEnd,
  waitForGo,
} from './helpers.js';

const GPU = { machineShape: 'NvidiaTeslaP100', enableGpu: true };

function seconds(duration: unknown): number {
  assert.equal(typeof duration, 'string');
  assert.match(duration as string, /^\d+(\.\d+)?s$/);
  return Number((duration as string).slice(0, -1));
}

void test('GPU sessions over the cap are refused in a 200 body; a push succeeds once one ended', async (t) => {
  const server = await startTestServer(t, { gpuSessions: 1 });
  await push(server, scriptPush('gpu-first', waitForGo('pass', 'pass'), GPU));

  const refused = await rpc(server, 'SaveKernel', scriptPush('gpu-second', 'print(1)', GPU));
  assert.equal(refused.status, 200);
  assert.equal(refused.body.error, 'Maximum batch GPU session count of 1 reached.');
  const notCreated = await rpc(server, 'GetKernel', { userName: 'me', kernelSlug: 'gpu-second' });
  assert.equal(notCreated.status, 404);
  // The deprecated enableTpu counts too; CPU sessions are not capped.
  const tpu = await rpc(
    server,
    'SaveKernel',
    scriptPush('tpu-second', 'print(1)', { enableTpu: true }),
  );
  assert.match(tpu.body.error as string, /Maximum batch GPU session count of 1/);
  await push(server, scriptPush('cpu-meanwhile', 'print(1)'));
  assert.deepEqual(await waitForEnd(server, 'cpu-meanwhile'), { status: 'COMPLETE' });

  await release(server, 'gpu-first', 1);
  assert.deepEqual(await waitForEnd(server, 'gpu-first'), { status: 'COMPLETE' });
  const accepted = await push(server, scriptPush('gpu-second', 'print(1)', GPU));
  assert.equal(accepted.versionNumber, 1);
  await waitForEnd(server, 'gpu-second');
  const pulled = await rpc(server, 'GetKernel', { userName: 'me', kernelSlug: 'gpu-second' });
  const metadata = pulled.body.metadata as Record<string, unknown>;
  assert.equal(metadata.machineShape, 'NvidiaTeslaP100');
});

void test('the GPU quota counts the real run time of GPU sessions, not CPU ones', async (t) => {
  const server = await startTestServer(t);
  const before = await rpc(server, 'GetAcceleratorQuotaStatistics', {});
  const gpuBefore = before.body.gpuQuota as Record<string, unknown>;
  assert.equal(seconds(gpuBefore.timeUsed), 0);
  assert.equal(gpuBefore.totalTimeAllowed, '108000s');
  assert.equal((before.body.tpuQuota as Record<string, unknown>).totalTimeAllowed, '72000s');
  assert.equal(gpuBefore.hasEverRun, false);
  const refresh = Date.parse(before.body.quotaRefreshTime as string);
  assert.equal(new Date(refresh).getUTCDay(), 6);
  assert.ok(refresh > Date.now() && refresh <= Date.now() + 7 * 24 * 3600 * 1000);

  await push(server, scriptPush('cpu-only', 'import time\ntime.sleep(0.2)'));
  await waitForEnd(server, 'cpu-only');
  const afterCpu = await rpc(server, 'GetAcceleratorQuotaStatistics', {});
  assert.equal(seconds((afterCpu.body.gpuQuota as Record<string, unknown>).timeUsed), 0);

  await push(server, scriptPush('gpu-sleeper', 'import time\ntime.sleep(0.2)', GPU));
  await waitForEnd(server, 'gpu-sleeper');
  const after = await rpc(server, 'GetAcceleratorQuotaStatistics', {});
  const gpuAfter = after.body.gpuQuota as Record<string, unknown>;
  assert.ok(seconds(gpuAfter.timeUsed) >= 0.2, String(gpuAfter.timeUsed));
  assert.equal(gpuAfter.hasEverRun, true);
  assert.equal(seconds((after.body.tpuQuota as Record<string, unknown>).timeUsed), 0);
});

void test('a GPU push past the weekly quota is refused', async (t) => {
  // 0.36 s of GPU a week.
  const server = await startTestServer(t, { gpuQuotaHours: 0.0001 });
  await push(server, scriptPush('uses-quota', 'import time\ntime.sleep(0.5)', GPU));
  await waitForEnd(server, 'uses-quota');
  const refused = await rpc(server, 'SaveKernel', scriptPush('over-quota', 'print(1)', GPU));
  assert.equal(refused.status, 200);
  assert.match(refused.body.error as string, /weekly GPU quota/);
  // CPU still runs.
  await push(server, scriptPush('cpu-still-runs', 'print(1)'));
});

void test('a session past its sessionTimeoutSeconds ends as ERROR', async (t) => {
  const server = await startTestServer(t);
  await push(
    server,
    scriptPush('times-out', 'import time\ntime.sleep(30)', { sessionTimeoutSeconds: 1 }),
  );
  const end = await waitForEnd(server, 'times-out');
  assert.equal(end.status, 'ERROR');
  assert.match(end.failureMessage ?? '', /timed out after 1 seconds/);
});
