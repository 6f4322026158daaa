// A batch on the Kaggle platform against a real in-process `kaggle-run server`: 7 items, 3
// per session -> 3 kernels, one push each, never more sessions than the cap; the items'
// outputs come back merged per item with the failing one reported; and `attach SWEEP` pushes
// only the chunk that never ran (a new version of its own kernel).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SweepRecord } from '../../src/sweep/sweep-store.js';
import { kaggleEnv, startTestServer, tempDir } from '../server/helpers.js';
import { runCli } from '../helpers/cli.js';
import { BATCH_JOB, TEXTS, checkMerged, type BatchJson } from './helpers.js';

void test('7 items, 3 per session on Kaggle: 3 kernels, merged outputs, attach runs only the missing chunk', async (t) => {
  const server = await startTestServer(t, { gpuSessions: 2 });
  const dir = join(await tempDir(t), 'batchy');
  await mkdir(dir);
  await writeFile(join(dir, 'job.py'), BATCH_JOB);
  await writeFile(
    join(dir, 'inputs.jsonl'),
    TEXTS.map((text, i) => JSON.stringify({ key: `k${i + 1}`, text })).join('\n') + '\n',
  );
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: batchy\nentry: job.py\naccelerator: t4x2\nparams: {text: "", times: 2}\noutputs: ["out/**"]\nbatch: {file: inputs.jsonl, per_session: 3, id: key}\n',
  );
  const env = await kaggleEnv(t);
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, server.stats().sessionsRunning);
  }, 10);
  const result = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], {
    env,
  }).finally(() => clearInterval(sampler));
  assert.equal(result.code, 1, result.stderr);
  assert.ok(peak >= 1 && peak <= 2, `peak ${peak}`);
  const batch = JSON.parse(result.stdout) as BatchJson;
  assert.equal(batch.points.length, 3);
  const kernels = batch.points.map((p) => p.kernel ?? '');
  assert.deepEqual(
    kernels,
    [1, 2, 3].map((n) => `me/kaggle-run-batchy-batch-${n}`),
  );
  for (const kernel of kernels) assert.equal(server.stats().pushes[kernel], 1, kernel);
  for (const run of batch.points) assert.equal(run.sweepId, batch.sweepId);
  const outputDir = join(dir, '.kaggle-run', 'sweeps', batch.sweepId, 'outputs');
  await checkMerged(outputDir, batch.items);

  // Chunk 3 never ran (as when the CLI died before its push): attach pushes it alone.
  const file = join(dir, '.kaggle-run', 'sweeps', batch.sweepId, 'sweep.json');
  const record = JSON.parse(await readFile(file, 'utf8')) as SweepRecord;
  const third = record.points[2]!;
  await rm(join(dir, '.kaggle-run', 'runs', third.runId!), { recursive: true });
  Object.assign(third, { runId: null, status: 'pending', exitCode: null });
  await writeFile(file, JSON.stringify(record));
  await rm(join(outputDir, 'items'), { recursive: true });
  const attached = await runCli(['attach', batch.sweepId, '--json'], { cwd: dir, env });
  assert.equal(attached.code, 1, attached.stderr);
  const resumed = JSON.parse(attached.stdout) as BatchJson;
  const pushes = server.stats().pushes;
  assert.equal(pushes[kernels[0]!], 1);
  assert.equal(pushes[kernels[1]!], 1);
  assert.equal(pushes[kernels[2]!], 2);
  assert.equal(resumed.points[2]?.version, 2);
  await checkMerged(outputDir, resumed.items);
});
