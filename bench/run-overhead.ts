// Orchestration overhead of a local run: a no-op job through kaggle-run (in-process
// `runJob`, and the real CLI as a child process) against the same script run directly by
// python, all measured in this one process. Target: overhead under 300 ms.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runJob } from '../src/run/run-job.js';
import { findPython } from '../src/platform/local/python.js';
import { packageRoot } from '../src/util/package-root.js';
import { median, ms, timeIt } from './stats.js';

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

const project = await mkdtemp(join(tmpdir(), 'kaggle-run-bench-'));
try {
  await writeFile(join(project, 'noop.py'), 'pass\n');
  await writeFile(join(project, 'kaggle-run.yaml'), 'name: noop\nentry: noop.py\n');
  const python = (await findPython({ explicit: undefined, needNotebook: false })).command;
  const cli = join(packageRoot(), 'bin', 'kaggle-run.js');

  // Warm up each path once (file system caches, bwrap probe, python bytecode).
  await run(python, [join(project, 'noop.py')]);
  for await (const _ of runJob({ dir: project })) void _;

  const direct = median(await timeIt(ROUNDS, () => run(python, [join(project, 'noop.py')])));
  const library = median(
    await timeIt(ROUNDS, async () => {
      for await (const _ of runJob({ dir: project })) void _;
    }),
  );
  const viaCli = median(await timeIt(ROUNDS, () => run(process.execPath, [cli, 'run', project])));

  console.log(`no-op job, median of ${ROUNDS} runs each`);
  console.log(`  python directly            ${ms(direct)}`);
  console.log(`  kaggle-run runJob (library) ${ms(library)}  overhead ${ms(library - direct)}`);
  console.log(`  kaggle-run run (CLI)        ${ms(viaCli)}  overhead ${ms(viaCli - direct)}`);
  console.log(
    `  target: overhead under 300 ms -> library ${library - direct < 300 ? 'met' : 'NOT met'}, CLI ${viaCli - direct < 300 ? 'met' : 'NOT met'}`,
  );
} finally {
  await rm(project, { recursive: true, force: true });
}
