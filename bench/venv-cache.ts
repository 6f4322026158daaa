// The local platform's per-project venv as a cache: a run whose requirements and interpreter
// are unchanged installs nothing. Measured in this one process, taking turns: the same
// no-op job with no requirements (the baseline), with requirements and no venv yet (the
// first run: make the venv, pip install), and with the venv ready (every later run). The
// requirements are ten small wheels built here, installed with --no-index (no network).
// Target: a reused venv costs the run under 10% of the first run's install.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPython } from '../src/platform/local/python.js';
import { runJob } from '../src/run/run-job.js';
import { buildWheel } from '../test/helpers/wheels.js';
import { alternate, loadLine, median, ms } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PACKAGES = 10;

const root = await mkdtemp(join(tmpdir(), 'kaggle-run-bench-venv-'));
try {
  const python = (await findPython({ explicit: undefined, needNotebook: false })).executable;
  const wheels = join(root, 'wheels');
  const names: string[] = [];
  for (let i = 0; i < PACKAGES; i++) {
    const name = `kr-bench-${i}`;
    names.push(name);
    await buildWheel(python, wheels, {
      name,
      version: '1.0',
      module: `kr_bench_${i}`,
      code: `VALUE = ${i}\n`,
    });
  }
  const plain = join(root, 'plain');
  const withReqs = join(root, 'with-requirements');
  for (const dir of [plain, withReqs]) {
    await mkdir(dir);
    await writeFile(join(dir, 'main.py'), 'pass\n');
  }
  await writeFile(join(plain, 'kaggle-run.yaml'), 'name: plain\nentry: main.py\n');
  const requirements = ['--no-index', `--find-links ${wheels}`, ...names];
  await writeFile(
    join(withReqs, 'kaggle-run.yaml'),
    `name: reqs\nentry: main.py\nrequirements: ${JSON.stringify(requirements)}\n`,
  );
  const env = { ...process.env, KAGGLE_RUN_NO_SANDBOX: '1' };
  const runIn = async (dir: string) => {
    for await (const _ of runJob({ dir, env })) void _;
  };
  // Warm up: caches, bytecode, and one venv made so `reused` has one.
  await runIn(plain);
  await runIn(withReqs);

  const samples = await alternate(ROUNDS, {
    plain: () => runIn(plain),
    first: async () => {
      await rm(join(withReqs, '.kaggle-run', 'venv'), { recursive: true, force: true });
      await runIn(withReqs);
    },
    reused: () => runIn(withReqs),
  });
  const plainMs = median(samples.plain!);
  const firstMs = median(samples.first!);
  const reusedMs = median(samples.reused!);
  const install = firstMs - plainMs;
  const reuseCost = reusedMs - plainMs;
  console.log(`venv cache, ${PACKAGES} local wheels, ${ROUNDS} rounds (medians); ${loadLine()}`);
  console.log(`  run without requirements (baseline)  ${ms(plainMs)}`);
  console.log(`  first run (make venv + pip install)  ${ms(firstMs)}  (install ${ms(install)})`);
  console.log(
    `  later run (venv reused)              ${ms(reusedMs)}  (over baseline ${ms(reuseCost)})`,
  );
  console.log(
    `  reused / first: ${(reusedMs / firstMs).toFixed(3)}x run time; reuse overhead / install: ${(reuseCost / install).toFixed(3)} (target < 0.10)`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
