// Start-up of the CLI: `kaggle-run --version`, `--help` and `run --help` as child processes,
// against `node -e 0` (the floor any node program pays), taking turns in this one process.
// Target: each at most 1.3x the baseline.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../src/util/package-root.js';
import { alternate, loadLine, median, ms } from './stats.js';

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const TARGET = 1.3;
const cli = join(packageRoot(), 'bin', 'kaggle-run.js');
const node =
  (...args: string[]) =>
  () =>
    run(process.execPath, args);

const cases = {
  'node -e 0': node('-e', '0'),
  'kaggle-run --version': node(cli, '--version'),
  'kaggle-run --help': node(cli, '--help'),
  'kaggle-run run --help': node(cli, 'run', '--help'),
};
await alternate(1, cases); // warm the file system cache
const samples = await alternate(ROUNDS, cases);
const baseline = median(samples['node -e 0']!);

console.log(`CLI start-up, median of ${ROUNDS} runs each, ${loadLine()}`);
for (const [name, values] of Object.entries(samples)) {
  const figure = median(values);
  const ratio = figure / baseline;
  const verdict = name === 'node -e 0' ? '' : ratio <= TARGET ? '  met' : '  NOT met';
  console.log(`  ${name.padEnd(24)} ${ms(figure).padStart(9)}  ${ratio.toFixed(2)}x${verdict}`);
}
console.log(`  target: at most ${TARGET}x node -e 0`);
