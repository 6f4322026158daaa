import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { HarnessSettings } from '../../src/harness/render.js';
import {
  baseSettings,
  makeZip,
  notebookPython,
  processGone,
  runHarness,
  waitUntil,
  type HarnessRun,
  type RunOptions,
} from './helpers.js';

// The program starts a grandchild (a second Python that sleeps) and records its pid, then
// sleeps itself: stopping must reach the whole process group, not just the program.
const sleeper = [
  'import subprocess, sys, time',
  'child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])',
  'open("grandchild.pid", "w").write(str(child.pid))',
  'print("sleeping", flush=True)',
  'time.sleep(120)',
].join('\n');

async function grandchildPid(working: string): Promise<number> {
  return Number(await readFile(join(working, 'grandchild.pid'), 'utf8'));
}

void test('timeout kills the program and its child, exit 124, failedStep timeout, outputs kept', async (t) => {
  const zip = await makeZip({ 'train.py': sleeper });
  const run = await runHarness(t, baseSettings({ timeoutSeconds: 1 }), { zip });
  assert.equal(run.code, 124, run.stderr);
  assert.match(run.stdout, /^sleeping$/m);
  assert.match(run.stderr, /ran past the job's timeout of 1 s/);
  assert.match(run.stdout, /^\[kaggle-run\] end exit=124 nonce=/m);
  assert.equal(run.manifest?.failedStep, 'timeout');
  assert.equal(run.manifest?.exitCode, 124);
  assert.deepEqual(
    run.manifest?.files.map((f) => f.path),
    ['grandchild.pid', 'kaggle-run.log'],
  );
  const pid = await grandchildPid(run.working);
  assert.ok(pid > 0);
  assert.equal(await waitUntil(() => processGone(pid)), true, `grandchild ${pid} still runs`);
});

void test('SIGTERM to the harness stops the program group and still writes the manifest', async (t) => {
  const run = await stopOnceSleeping(t, baseSettings(), {
    zip: await makeZip({ 'train.py': sleeper }),
  });
  assert.equal(run.code, 143, run.stderr);
  assert.match(run.stderr, /the run was stopped \(SIGTERM\) during step program/);
  assert.equal(run.manifest?.failedStep, 'program');
  assert.match(run.manifest?.error ?? '', /stopped/);
  const pid = await grandchildPid(run.working);
  assert.equal(await waitUntil(() => processGone(pid)), true, `grandchild ${pid} still runs`);
});

async function stopOnceSleeping(
  t: TestContext,
  settings: HarnessSettings,
  options: Omit<RunOptions, 'onStart'>,
): Promise<HarnessRun> {
  let stop: Promise<void> = Promise.resolve();
  const run = await runHarness(t, settings, {
    ...options,
    onStart: (pid, output) => {
      stop = (async () => {
        await waitUntil(() => output().includes('sleeping\n'), 30_000);
        process.kill(pid, 'SIGTERM');
      })();
    },
  });
  await stop;
  return run;
}

const python = await notebookPython();

void test(
  'SIGTERM during a notebook cell kills the kernel group, exit 143, notebook and manifest kept',
  { skip: python === undefined ? 'no python with nbclient + ipykernel' : false },
  async (t) => {
    const nb = {
      cells: [
        { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: sleeper },
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 4,
    };
    const zip = await makeZip({ 'a.ipynb': JSON.stringify(nb) });
    const settings = baseSettings({ entry: 'a.ipynb', kind: 'notebook' });
    const run = await stopOnceSleeping(t, settings, { zip, python: python! });
    assert.equal(run.code, 143, run.stderr);
    assert.match(run.stderr, /the run was stopped \(SIGTERM\) during step program/);
    assert.doesNotMatch(run.stderr, /Traceback|Task was destroyed/);
    assert.deepEqual(
      run.manifest?.files.map((f) => f.path),
      ['a.executed.ipynb', 'grandchild.pid', 'kaggle-run.log'],
    );
    const pid = await grandchildPid(run.working);
    assert.equal(await waitUntil(() => processGone(pid)), true, `grandchild ${pid} still runs`);
  },
);
