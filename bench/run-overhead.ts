// Orchestration overhead of a local run: a no-op job through kaggle-run (in-process
// `runJob`, and the real CLI as a child process) against the same script run directly by
// python, all measured in this one process, taking turns. Targets: the library's overhead
// under 300 ms, the CLI's under 150 ms over python (the CLI loads its bundle, and reuses the
// interpreter probes kept in the user's cache).

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runJob } from '../src/run/run-job.js';
import { findPython } from '../src/platform/local/python.js';
import { packageRoot } from '../src/util/package-root.js';
import { alternate, loadLine, median, ms } from './stats.js';

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

  await run(process.execPath, [cli, 'run', project]);

  // Each CLI run's own record (--json) says where its time went once it pushed.
  const phases: Record<string, number[]> = {};
  const samples = await alternate(ROUNDS, {
    direct: () => run(python, [join(project, 'noop.py')]),
    library: async () => {
      for await (const _ of runJob({ dir: project })) void _;
    },
    cli: async () => {
      const started = performance.now();
      const { stdout } = await run(process.execPath, [cli, 'run', project, '--json']);
      const wall = performance.now() - started;
      const { timings } = JSON.parse(stdout) as { timings: Record<string, number | null> };
      const seconds = (name: string) => (timings[name] ?? 0) * 1000;
      const split = {
        'start, load, resolve, pack; exit': wall - seconds('totalSeconds'),
        'push to the harness start line': seconds('queueSeconds'),
        "harness's own steps": seconds('startSeconds'),
        'program (python start included)': seconds('programSeconds'),
        'end to outputs verified': seconds('fetchSeconds'),
      };
      for (const [phase, value] of Object.entries(split)) (phases[phase] ??= []).push(value);
    },
  });
  const direct = median(samples.direct!);
  const library = median(samples.library!);
  const viaCli = median(samples.cli!);

  console.log(`no-op job, median of ${ROUNDS} runs each, ${loadLine()}`);
  console.log(`  ${python} noop.py directly   ${ms(direct)}`);
  console.log(`  kaggle-run runJob (library) ${ms(library)}  overhead ${ms(library - direct)}`);
  console.log(`  kaggle-run run (CLI)        ${ms(viaCli)}  overhead ${ms(viaCli - direct)}`);
  console.log('  where the CLI run went (medians of each phase):');
  for (const [phase, values] of Object.entries(phases))
    console.log(`    ${phase.padEnd(34)} ${ms(median(values)).padStart(10)}`);
  console.log(
    `  targets: library under 300 ms ${library - direct < 300 ? 'met' : 'NOT met'}, CLI under 150 ms ${viaCli - direct < 150 ? 'met' : 'NOT met'}`,
  );
} finally {
  await rm(project, { recursive: true, force: true });
}
