import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { baseSettings, fakeNvidiaSmi, makeZip, runHarness } from './helpers.js';

// A fake nvidia-smi first on PATH makes the machine look GPU-less (or not) whatever it has;
// CUDA_VISIBLE_DEVICES='' hides real GPUs from the torch fallback where torch is installed.
const noDriver =
  'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver."; exit 9';
const twoT4 = 'echo "Tesla T4"; echo "Tesla T4"';
const program = 'open("ran.txt", "w").write("yes")\nprint("program ran")\n';

function envWith(bin: string): Record<string, string> {
  return { PATH: `${bin}:${process.env.PATH ?? ''}`, CUDA_VISIBLE_DEVICES: '' };
}

void test('strict t4x2 on a GPU-less session fails fast with a clear message and a manifest', async (t) => {
  const bin = await fakeNvidiaSmi(t, noDriver);
  const settings = baseSettings({
    accelerator: 't4x2',
    acceleratorKind: 'gpu',
    strictAccelerator: true,
  });
  const run = await runHarness(t, settings, {
    zip: await makeZip({ 'train.py': program }),
    env: envWith(bin),
  });
  assert.equal(run.code, 2, run.stdout);
  assert.match(
    run.stderr,
    /\[kaggle-run\] error: asked for t4x2 \(GPU\) but this session has no GPU: nvidia-smi exited with code 9/,
  );
  assert.match(run.stderr, /quota/);
  assert.doesNotMatch(run.stderr, /Traceback/);
  assert.equal(run.manifest?.failedStep, 'accelerator');
  assert.equal(run.manifest?.exitCode, null);
  assert.equal(run.manifest?.acceleratorAsked, 't4x2');
  assert.deepEqual(run.manifest?.acceleratorSeen, { kind: 'none', names: [], count: 0 });
  assert.equal(existsSync(join(run.working, 'ran.txt')), false);
  assert.equal(existsSync(join(run.working, 'train.py')), false, 'fails before unpacking');
});

void test('non-strict (local): a warning, then the program runs on CPU', async (t) => {
  const bin = await fakeNvidiaSmi(t, noDriver);
  const settings = baseSettings({
    accelerator: 't4x2',
    acceleratorKind: 'gpu',
    strictAccelerator: false,
  });
  const run = await runHarness(t, settings, {
    zip: await makeZip({ 'train.py': program }),
    env: envWith(bin),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stderr,
    /\[kaggle-run\] warning: asked for t4x2 \(GPU\) but this machine has no GPU .*running on CPU/,
  );
  assert.match(run.stdout, /^program ran$/m);
  assert.equal(run.manifest?.failedStep, null);
  assert.equal(run.manifest?.exitCode, 0);
});

void test('GPUs seen by nvidia-smi are recorded; strict passes', async (t) => {
  const bin = await fakeNvidiaSmi(t, twoT4);
  const settings = baseSettings({
    accelerator: 't4x2',
    acceleratorKind: 'gpu',
    strictAccelerator: true,
  });
  const run = await runHarness(t, settings, {
    zip: await makeZip({ 'train.py': program }),
    env: envWith(bin),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /accelerator: asked t4x2, seen gpu x2 \(Tesla T4\)/);
  assert.deepEqual(run.manifest?.acceleratorSeen, {
    kind: 'gpu',
    names: ['Tesla T4', 'Tesla T4'],
    count: 2,
  });
});

void test('GPUs are recorded even when none was asked for', async (t) => {
  const bin = await fakeNvidiaSmi(t, twoT4);
  const run = await runHarness(t, baseSettings(), {
    zip: await makeZip({ 'train.py': program }),
    env: envWith(bin),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.manifest?.acceleratorSeen.count, 2);
});

function hasTpuDeviceFiles(): boolean {
  const accel = readdirSync('/dev').some((n) => /^accel\d+$/.test(n));
  return (
    accel || (existsSync('/dev/vfio') && readdirSync('/dev/vfio').some((n) => /^\d+$/.test(n)))
  );
}

void test('strict TPU: TPU_NAME counts as one; with no TPU in sight the run fails', async (t) => {
  const bin = await fakeNvidiaSmi(t, noDriver);
  const settings = baseSettings({
    accelerator: 'tpu-v3-8',
    acceleratorKind: 'tpu',
    strictAccelerator: true,
  });
  const zip = await makeZip({ 'train.py': program });
  const named = await runHarness(t, settings, { zip, env: { ...envWith(bin), TPU_NAME: 'v3-8' } });
  assert.equal(named.code, 0, named.stderr);
  assert.deepEqual(named.manifest?.acceleratorSeen, { kind: 'tpu', names: ['v3-8'], count: 1 });

  if (hasTpuDeviceFiles())
    return t.skip('this machine has TPU-like device files (/dev/accel*, /dev/vfio/N)');
  const clear = { TPU_NAME: '', PJRT_DEVICE: '', COLAB_TPU_ADDR: '' };
  const missing = await runHarness(t, settings, { zip, env: { ...envWith(bin), ...clear } });
  assert.equal(missing.code, 2, missing.stdout);
  assert.match(missing.stderr, /asked for tpu-v3-8 \(TPU\) but this session has no TPU/);
  assert.equal(missing.manifest?.failedStep, 'accelerator');
});

void test('KAGGLE_RUN_ACCELERATOR_CHECK=warn (set by a simulator) turns strict into a warning', async (t) => {
  const bin = await fakeNvidiaSmi(t, noDriver);
  const settings = baseSettings({
    accelerator: 'p100',
    acceleratorKind: 'gpu',
    strictAccelerator: true,
  });
  const env = { ...envWith(bin), KAGGLE_RUN_ACCELERATOR_CHECK: 'warn' };
  const run = await runHarness(t, settings, { zip: await makeZip({ 'train.py': program }), env });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /warning: asked for p100 \(GPU\) but this machine has no GPU/);
  assert.match(run.stdout, /^program ran$/m);
});
