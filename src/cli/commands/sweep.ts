// `kaggle-run sweep run [DIR]` (as `run` takes it, always as a sweep or batch), `sweep attach
// SWEEP`, `sweep show SWEEP` (a table, --json or --csv) and `sweep list`.

import { Command } from '@commander-js/extra-typings';
import { resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { DIR_DESCRIPTION, DIR_FLAGS, projectFolder } from '../arguments.js';
import type { SweepRunFlags } from './sweep-run.js';

/**
 * `sweep run` takes exactly the options of `run` (one definition of them): the `run`
 * command is built on its own, named `sweep run`, and given a sweep's action instead.
 */
async function sweepRunCommand(io: CliIo, setExit: (code: number) => void) {
  const { registerRun } = await import('./run.js');
  const host = new Command().exitOverride();
  registerRun(host, io, setExit);
  const run = host.commands.find((c) => c.name() === 'run')!;
  run
    .name('kaggle-run sweep run')
    .description(
      "run the sweep (`sweep:` or --sweep) or batch (`batch:` or --batch) of the job in DIR; run's options",
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (...args: unknown[]) => {
      // The `run` command's own argument and options, as its action receives them.
      const [dir, opts] = args as [string | undefined, SweepRunFlags & { dir?: string }];
      const { runSweepCommand } = await import('./sweep-run.js');
      await runSweepCommand(projectFolder(dir, opts.dir, io.cwd), opts, io, setExit);
    });
  return run;
}

export function registerSweep(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const sweep = program.command('sweep').description('sweeps: one job over many param sets');
  sweep
    .command('run')
    .description(
      'run the sweep or batch of the job in DIR (default .), with the options of `run` (see `sweep run --help`)',
    )
    .argument('[args...]', 'DIR and the options of `run`')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (args: string[]) => {
      const run = await sweepRunCommand(io, setExit);
      await run.parseAsync(args, { from: 'user' });
    });
  sweep
    .command('attach')
    .description('finish a sweep: skip completed points, attach to running ones, run the rest')
    .argument('<sweep>', 'sweep id, a unique part of one, or `last-sweep`')
    .option(DIR_FLAGS, DIR_DESCRIPTION)
    .option('--max-parallel <n>', 'at most N points at once')
    .option('--fail-fast', 'start no more points after one fails')
    .option('--json', 'print exactly one JSON document (the sweep) on stdout')
    .option('--events', 'print each event as a JSON line on stdout (see README: Events)')
    .action(async (ref, opts) => {
      const { attachSweepCommand } = await import('./sweep-run.js');
      await attachSweepCommand(resolve(io.cwd, opts.dir ?? '.'), ref, opts, io, setExit);
    });
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
