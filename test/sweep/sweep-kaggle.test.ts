// Sweeps on the Kaggle platform, against a real in-process `kaggle-run server` (kernels run
// on this machine's Python): the session cap is respected, a lower cap is learned from the
// server's refusal, and a sweep whose CLI was SIGKILLed is finished by `attach SWEEP`
// without pushing any point twice.

import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerHandle } from '../../src/server/server.js';
import type { RunRecord } from '../../src/run/record.js';
import type { SweepRecord } from '../../src/sweep/sweep-store.js';
import { sha256Hex } from '../../src/util/hash.js';
import { packageRoot } from '../../src/util/package-root.js';
import { kaggleEnv, release, startTestServer, tempDir } from '../server/helpers.js';
import { runCli } from '../helpers/cli.js';
import { scaled } from '../helpers/machine.js';

interface SweepJson {
  sweepId: string;
  makespanSeconds: number;
  exitCode: number;
  points: RunRecord[];
}

const JOB = [
  'import json, os, time',
  'params = json.loads(os.environ["KAGGLE_RUN_PARAMS"])',
  'print("point", params["lr"], params["seed"], flush=True)',
  'time.sleep(float(params.get("sleep", 1)))',
  '# A gated point holds until the test writes `go` into its working folder (bounded).',
  'if params.get("gate_above") is not None and params["lr"] > params["gate_above"]:',
  '    deadline = time.time() + 600',
  '    while not os.path.exists("go") and time.time() < deadline:',
  '        time.sleep(0.05)',
  'os.makedirs("results", exist_ok=True)',
  'json.dump({"loss": params["lr"] * params["seed"]}, open("results/metrics.json", "w"))',
  '',
].join('\n');

async function sweepProject(
  t: TestContext,
  grid: string,
  extra = '',
  params = 'lr: 0.1, seed: 0, sleep: 1',
): Promise<string> {
  const dir = join(await tempDir(t), 'sweepy');
  await mkdir(dir);
  await writeFile(join(dir, 'train.py'), JOB);
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    `name: sweepy\nentry: train.py\naccelerator: t4x2\nparams: {${params}}\noutputs: ["results/**"]\nmetrics: results/metrics.json\nsweep: ${grid}\n${extra}`,
  );
  return dir;
}

/** The most sessions the server ran at once while `work` ran. */
async function peakSessions<T>(server: ServerHandle, work: Promise<T>): Promise<[T, number]> {
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, server.stats().sessionsRunning);
  }, 10);
  try {
    return [await work, peak];
  } finally {
    clearInterval(sampler);
  }
}

async function verifyOutputs(run: RunRecord): Promise<void> {
  assert.equal(run.status, 'complete', JSON.stringify(run.error));
  assert.ok(run.outputs.length > 0);
  for (const o of run.outputs) {
    assert.equal(sha256Hex(await readFile(join(run.outputDir, o.path))), o.sha256, o.path);
  }
}

void test('a 6-point GPU sweep with cap 2: every point completes, never more than 2 sessions at once', async (t) => {
  const server = await startTestServer(t, { gpuSessions: 2 });
  const dir = await sweepProject(t, '{lr: [0.1, 0.2], seed: [1, 2, 3]}');
  const [result, peak] = await peakSessions(
    server,
    runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], {
      env: await kaggleEnv(t),
    }),
  );
  assert.equal(result.code, 0, result.stderr);
  assert.ok(peak <= 2, `peak ${peak}`);
  assert.ok(peak >= 1);
  const sweep = JSON.parse(result.stdout) as SweepJson;
  assert.equal(sweep.points.length, 6);
  assert.equal(typeof sweep.makespanSeconds, 'number');
  const kernels = new Set<string>();
  for (const run of sweep.points) {
    await verifyOutputs(run);
    kernels.add(run.kernel ?? '');
    const metrics = JSON.parse(
      await readFile(join(run.outputDir, 'results/metrics.json'), 'utf8'),
    ) as { loss: number };
    assert.equal(metrics.loss, (run.params.lr as number) * (run.params.seed as number));
  }
  assert.equal(kernels.size, 6);
  const pushes = server.stats().pushes;
  for (const kernel of kernels) assert.equal(pushes[kernel], 1, kernel);
  // Each point's log line carries its label.
  assert.match(result.stderr, /\[lr=0\.2,seed=3\] point 0\.2 3/);
  const record = JSON.parse(
    await readFile(join(dir, '.kaggle-run', 'sweeps', sweep.sweepId, 'sweep.json'), 'utf8'),
  ) as SweepRecord;
  assert.deepEqual(
    record.points.map((p) => p.status),
    Array(6).fill('complete'),
  );
  assert.deepEqual(
    record.points.map((p) => p.runId),
    sweep.points.map((p) => p.runId),
  );

  // Re-running a point adds a version to the same kernel.
  const again = await runCli(
    [
      'run',
      dir,
      '--kaggle',
      '--endpoint',
      server.url,
      '--json',
      '--sweep',
      'lr=0.1',
      '--sweep',
      'seed=1',
    ],
    { env: await kaggleEnv(t) },
  );
  assert.equal(again.code, 0, again.stderr);
  const one = JSON.parse(again.stdout) as SweepJson;
  assert.equal(one.points.length, 1);
  assert.equal(one.points[0]?.kernel, sweep.points[0]?.kernel);
  assert.equal(one.points[0]?.version, 2);
});

void test('a server cap lower than the client thinks: the cap is learned and no point fails', async (t) => {
  const server = await startTestServer(t, { gpuSessions: 1 });
  const dir = await sweepProject(t, '{lr: [0.1, 0.2, 0.3], seed: [1]}');
  const [result, peak] = await peakSessions(
    server,
    runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json', '--max-parallel', '2'], {
      env: await kaggleEnv(t),
    }),
  );
  assert.equal(result.code, 0, result.stderr);
  assert.ok(peak <= 1, `peak ${peak}`);
  assert.match(result.stderr, /at most 1 session at once; running 1 point at a time/);
  assert.match(result.stderr, /Maximum batch GPU session count of 1 reached/);
  const sweep = JSON.parse(result.stdout) as SweepJson;
  for (const run of sweep.points) await verifyOutputs(run);
  for (const run of sweep.points) assert.equal(server.stats().pushes[run.kernel ?? ''], 1);
});

void test('SIGKILL the CLI mid-sweep, then `attach SWEEP` finishes only the missing points', async (t) => {
  const server = await startTestServer(t, { gpuSessions: 2 });
  // The points past lr 0.25 hold until released, so the sweep is surely mid-way when the
  // CLI is killed, however slowly this test's polling runs on a loaded machine.
  const dir = await sweepProject(
    t,
    '{lr: [0.1, 0.2, 0.3, 0.4], seed: [1]}',
    '',
    'lr: 0.1, seed: 0, sleep: 1, gate_above: 0.25',
  );
  const env = await kaggleEnv(t);
  const child = spawn(
    process.execPath,
    [join(packageRoot(), 'bin', 'kaggle-run.js'), 'run', dir, '--kaggle', '--endpoint', server.url],
    { env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env }, stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const sweepsDir = join(dir, '.kaggle-run', 'sweeps');
  // Kill once at least one point is complete and another has been pushed.
  let record: SweepRecord | undefined;
  const deadline = Date.now() + (await scaled(60_000));
  for (;;) {
    const { readdir } = await import('node:fs/promises');
    const ids = await readdir(sweepsDir).catch(() => [] as string[]);
    if (ids[0] !== undefined) {
      record = await readFile(join(sweepsDir, ids[0], 'sweep.json'), 'utf8')
        .then((text) => JSON.parse(text) as SweepRecord)
        .catch(() => record);
    }
    const done = record?.points.filter((p) => p.status === 'complete').length ?? 0;
    const started = record?.points.filter((p) => p.status === 'running').length ?? 0;
    if (done >= 1 && started >= 1) break;
    assert.ok(Date.now() < deadline, 'the sweep did not get going');
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  await exited;
  assert.ok(record !== undefined);
  // Each point is its own kernel at version 1; a gated one not yet started finds `go` when
  // it does.
  for (const point of record.points) await release(server, point.kernelSlug, 1);
  const before = server.stats().pushes;
  const attached = await runCli(['attach', record.sweepId, '--json'], { cwd: dir, env });
  assert.equal(attached.code, 0, attached.stderr);
  const sweep = JSON.parse(attached.stdout) as SweepJson;
  assert.equal(sweep.sweepId, record.sweepId);
  assert.match(attached.stderr, /\] attaching/);
  assert.equal(sweep.points.length, 4);
  for (const run of sweep.points) await verifyOutputs(run);
  const after = server.stats().pushes;
  // No point was pushed twice: the completed ones and the in-flight ones were not pushed again.
  for (const run of sweep.points) assert.equal(after[run.kernel ?? ''], 1, run.kernel ?? '');
  for (const point of record.points.filter((p) => p.status === 'complete')) {
    const kernel = `me/${point.kernelSlug}`;
    assert.equal(after[kernel], before[kernel]);
  }
  // Everything is complete now: attaching again runs nothing.
  const noop = await runCli(['attach', 'last-sweep', '--json'], { cwd: dir, env });
  assert.equal(noop.code, 0, noop.stderr);
  assert.deepEqual(server.stats().pushes, after);
});
