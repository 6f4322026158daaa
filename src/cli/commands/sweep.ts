// `kaggle-run sweep show SWEEP` (a table, --json or --csv) and `kaggle-run sweep list`.

import type { Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';
import { DIR_DESCRIPTION, DIR_FLAGS } from '../arguments.js';

export function registerSweep(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const sweep = program.command('sweep').description('sweeps: one job over many param sets');
  sweep
    .command('show')
    .description('one row per point: params, status, duration, accelerator seen, metrics')
    .argument('<sweep>', 'sweep id, a unique part of one, or `last-sweep`')
    .option(DIR_FLAGS, DIR_DESCRIPTION)
    .option('--best <metric>', 'mark the best point by this metric (prefix - for lower is better)')
    .option('--minimize', 'with --best: lower is better')
    .option('--json', 'print the rows as JSON')
    .option('--csv', 'print the rows as CSV')
    .action(async (ref, opts) => {
      await (await import('./sweep-views.js')).showSweep(ref, opts, io, setExit);
    });
  sweep
    .command('list')
    .description("this project's sweeps, newest first")
    .option(DIR_FLAGS, DIR_DESCRIPTION)
    .option('--json', 'print them as JSON')
    .action(async (opts) => {
      await (await import('./sweep-views.js')).listSweeps(opts, io, setExit);
    });
}
