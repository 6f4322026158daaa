// Machine shapes on the server: a push is stored as the machine it asked for, whatever stale
// enable_gpu / enable_tpu it carries, and every shape kaggle-cli documents is known.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accelerators } from '../../src/accelerator.js';
import { push, rpc, scriptPush, startTestServer, waitForEnd } from './helpers.js';

async function metadataOf(server: { url: string }, slug: string) {
  const pulled = await rpc(server, 'GetKernel', { userName: 'me', kernelSlug: slug });
  return pulled.body.metadata as Record<string, unknown>;
}

void test('a TPU push carrying enable_gpu=true is stored as a TPU kernel, not a GPU one', async (t) => {
  const server = await startTestServer(t);
  await push(
    server,
    scriptPush('tpu-job', 'print(1)', {
      machineShape: 'TpuV5E8',
      enableGpu: true,
      enableTpu: false,
    }),
  );
  assert.deepEqual(await waitForEnd(server, 'tpu-job'), { status: 'COMPLETE' });
  const tpu = await metadataOf(server, 'tpu-job');
  assert.deepEqual([tpu.enableGpu, tpu.enableTpu, tpu.machineShape], [false, true, 'TpuV5E8']);
  // The next version on a GPU shape is a GPU kernel again.
  await push(
    server,
    scriptPush('tpu-job', 'print(2)', { machineShape: 'NvidiaTeslaT4', enableTpu: true }),
  );
  const gpu = await metadataOf(server, 'tpu-job');
  assert.deepEqual(
    [gpu.enableGpu, gpu.enableTpu, gpu.machineShape],
    [true, false, 'NvidiaTeslaT4'],
  );
});

void test("every shape of kaggle-cli's list of 2026 is accepted", async (t) => {
  const server = await startTestServer(t, { gpuSessions: 20 });
  const documented = [
    'NvidiaTeslaP100',
    'TpuV38',
    'NvidiaTeslaT4',
    'NvidiaTeslaT4Highmem',
    'Tpu1VmV38',
    'NvidiaTeslaA100',
    'NvidiaL4',
    'TpuV5E8',
    'NvidiaL4X1',
    'TpuV6E8',
    'NvidiaH100',
    'NvidiaRtxPro6000',
  ];
  const known = Object.values(accelerators).map((a) => a.machineShape);
  assert.deepEqual(
    documented.filter((shape) => !known.includes(shape as never)),
    [],
  );
  const refused = await rpc(
    server,
    'SaveKernel',
    scriptPush('bad-shape', 'print(1)', { machineShape: 'NvidiaB200' }),
  );
  assert.equal(refused.status, 400);
  assert.match(
    refused.body.message as string,
    /Unknown machineShape "NvidiaB200".*NvidiaRtxPro6000/,
  );
});
