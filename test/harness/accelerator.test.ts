import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { baseSettings, fakeNvidiaSmi, makeZip, runHarness } from './helpers.js';
import { scaled } from '../helpers/machine.js';

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

/** A stand-in torch package: what a real one reports on the given device. */
async function fakeTorch(
  t: Parameters<typeof fakeNvidiaSmi>[0],
  options: { name: string; capability: [number, number]; archs: string[]; op: 'fails' | 'works' },
): Promise<string> {
  const dir = await fakeNvidiaSmi(t, 'true');
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(join(dir, 'torch'), { recursive: true });
  const op =
    options.op === 'fails'
      ? '    raise RuntimeError("CUDA error: no kernel image is available for execution on the device")'
      : '    return _T(n)';
  await writeFile(
    join(dir, 'torch', '__init__.py'),
    [
      'import os',
      'open(os.path.join(os.path.dirname(__file__), "imported"), "a").write("x")',
      'class _T:',
      '    def __init__(self, n): self.n = n',
      '    def __add__(self, other): return _T(self.n + other.n)',
      '    def sum(self): return self',
      '    def item(self): return float(self.n)',
      'class _Cuda:',
      '    def is_available(self): return True',
      '    def device_count(self): return 1',
      `    def get_device_name(self, i): return ${JSON.stringify(options.name)}`,
      `    def get_device_capability(self, i): return (${options.capability.join(', ')})`,
      `    def get_arch_list(self): return ${JSON.stringify(options.archs)}`,
      'cuda = _Cuda()',
      'def ones(n, device=None):',
      '    if device != "cuda": raise ValueError(device)',
      op,
    ].join('\n'),
  );
  return dir;
}

const P100 = { name: 'Tesla P100-PCIE-16GB', capability: [6, 0] as [number, number] };
const CU128_ARCHS = ['sm_70', 'sm_75', 'sm_80', 'sm_86', 'sm_90', 'sm_100', 'sm_120'];

void test('a GPU torch cannot run on (a P100 with a cu128 torch) fails in seconds, naming the fix', async (t) => {
  const smi = await fakeNvidiaSmi(t, `echo "${P100.name}"`);
  const torch = await fakeTorch(t, { ...P100, archs: CU128_ARCHS, op: 'fails' });
  const settings = baseSettings({
    accelerator: 'p100',
    acceleratorKind: 'gpu',
    strictAccelerator: true,
  });
  const limit = await scaled(30_000); // on an idle machine, stretched by its slowness
  const started = Date.now();
  const run = await runHarness(t, settings, {
    zip: await makeZip({ 'train.py': program }),
    env: { PATH: `${smi}:${process.env.PATH ?? ''}`, PYTHONPATH: torch },
  });
  assert.equal(run.code, 2, run.stderr);
  assert.ok(Date.now() - started < limit);
  assert.match(
    run.stderr,
    /error: asked for p100 and got Tesla P100-PCIE-16GB, but torch cannot run on it: RuntimeError: CUDA error: no kernel image is available for execution on the device \(the GPU is sm_60; this torch has kernels for sm_70, sm_75/,
  );
  assert.match(run.stderr, /--accelerator t4x2 or l4/);
  assert.equal(run.manifest?.failedStep, 'accelerator');
  assert.equal(existsSync(join(run.working, 'ran.txt')), false);

  // Not strict (the local platform): the same finding is a warning and the program runs.
  const local = await runHarness(
    t,
    { ...settings, strictAccelerator: false },
    {
      zip: await makeZip({ 'train.py': program }),
      env: { PATH: `${smi}:${process.env.PATH ?? ''}`, PYTHONPATH: torch },
    },
  );
  assert.equal(local.code, 0, local.stderr);
  assert.match(
    local.stderr,
    /warning: asked for p100 and got Tesla P100-PCIE-16GB, but torch cannot run/,
  );
});

void test('a GPU torch runs on passes the check after one real operation', async (t) => {
  const smi = await fakeNvidiaSmi(t, 'echo "NVIDIA L4"');
  const torch = await fakeTorch(t, {
    name: 'NVIDIA L4',
    capability: [8, 9],
    archs: CU128_ARCHS,
    op: 'works',
  });
  const run = await runHarness(
    t,
    baseSettings({ accelerator: 'l4', acceleratorKind: 'gpu', strictAccelerator: true }),
    {
      zip: await makeZip({ 'train.py': program }),
      env: { PATH: `${smi}:${process.env.PATH ?? ''}`, PYTHONPATH: torch },
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /accelerator: asked l4, seen gpu x1 \(NVIDIA L4\)/);
  assert.ok(existsSync(join(torch, 'torch', 'imported')), 'torch was asked');
});

void test('an emulated machine (KAGGLE_RUN_ACCELERATOR_CHECK=warn, no GPU) never imports torch', async (t) => {
  const smi = await fakeNvidiaSmi(t, noDriver);
  const torch = await fakeTorch(t, { ...P100, archs: CU128_ARCHS, op: 'works' });
  const run = await runHarness(
    t,
    baseSettings({ accelerator: 't4x2', acceleratorKind: 'gpu', strictAccelerator: true }),
    {
      zip: await makeZip({ 'train.py': program }),
      env: {
        PATH: `${smi}:${process.env.PATH ?? ''}`,
        PYTHONPATH: torch,
        KAGGLE_RUN_ACCELERATOR_CHECK: 'warn',
      },
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /warning: asked for t4x2 \(GPU\) but this machine has no GPU/);
  assert.equal(existsSync(join(torch, 'torch', 'imported')), false, 'torch was never imported');
});
