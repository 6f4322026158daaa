// `kaggle-run runs` over a project with 1,000 runs, against `node -e 0`, taking turns in this
// one process. The records are copies of a real no-op run's record, each with its own id and
// time. Target: at most 2x the baseline.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RunStore } from '../src/store/run-store.js';
import { packageRoot } from '../src/util/package-root.js';
import { alternate, loadLine, median, ms } from './stats.js';

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);
const RUNS = Number(process.env.BENCH_RUNS ?? 1000);
const TARGET = 2;
const cli = join(packageRoot(), 'bin', 'kaggle-run.js');

const project = await mkdtemp(join(tmpdir(), 'kaggle-run-bench-runs-'));
try {
  await writeFile(join(project, 'noop.py'), 'pass\n');
  await writeFile(join(project, 'kaggle-run.yaml'), 'name: noop\nentry: noop.py\n');
  await run(process.execPath, [cli, 'run', project]);
  const store = new RunStore(project);
  const template = await store.resolve('last');
  const start = Date.parse(template.createdAt);
  for (let i = 1; i < RUNS; i++) {
    const at = new Date(start - i * 60_000).toISOString();
    await store.create({
      ...template,
      runId: `${template.runId}-${String(i).padStart(4, '0')}`,
      createdAt: at,
      startedAt: at,
    });
  }
  const cases = {
    'node -e 0': () => run(process.execPath, ['-e', '0']),
    'kaggle-run runs': () => run(process.execPath, [cli, 'runs', '--dir', project]),
  };
  await alternate(1, cases); // warm the file system cache
  const samples = await alternate(ROUNDS, cases);
  const baseline = median(samples['node -e 0']!);
  const listing = median(samples['kaggle-run runs']!);
  console.log(`kaggle-run runs over ${RUNS} runs, median of ${ROUNDS} runs each, ${loadLine()}`);
  console.log(`  node -e 0          ${ms(baseline).padStart(9)}`);
  console.log(
    `  kaggle-run runs    ${ms(listing).padStart(9)}  ${(listing / baseline).toFixed(2)}x  target at most ${TARGET}x: ${listing / baseline <= TARGET ? 'met' : 'NOT met'}`,
  );
} finally {
  await rm(project, { recursive: true, force: true });
}
