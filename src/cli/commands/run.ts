import { Option, type Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';
import {
  DIR_DESCRIPTION,
  DIR_FLAGS,
  ENDPOINT_DESCRIPTION,
  ENDPOINT_FLAGS,
  FOLDER_ARGUMENT,
  FOLDER_DESCRIPTION,
  projectFolder,
} from '../arguments.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerRun(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('run')
    .description('run the job in DIR (default .) and wait for its outputs')
    .argument(FOLDER_ARGUMENT, FOLDER_DESCRIPTION)
    .optionsGroup('Job options:')
    .option(DIR_FLAGS, DIR_DESCRIPTION)
    .option('--entry <file>', 'the .py or .ipynb to run (overrides `entry`)')
    .option('-p, --param <key=value>', 'set a parameter (repeatable)', collect, [] as string[])
    .option('--profile <name>', 'use a named parameter set from `profiles`')
    .option('--timeout <duration>', 'e.g. 90s, 30m, 2h (overrides `timeout`)')
    .addOption(
      new Option(
        '--accelerator <name>',
        'none | p100 | t4x2 | tpu-v3-8 | ... (see README)',
      ).conflicts(['gpu', 'device']),
    )
    .addOption(new Option('--gpu', 'shorthand for --accelerator gpu (t4x2)').conflicts(['device']))
    .addOption(
      new Option('--device <kind>', 'cpu or gpu, as --accelerator none|gpu').choices([
        'cpu',
        'gpu',
      ]),
    )
    .optionsGroup('Kaggle options:')
    .addOption(new Option('--kaggle', 'run on Kaggle').conflicts(['local']))
    .addOption(new Option('--local', 'run on this machine (the default)').conflicts(['endpoint']))
    .option(ENDPOINT_FLAGS, ENDPOINT_DESCRIPTION)
    .option('--new', 'push even when an identical run is still in flight (default: attach to it)')
    .option(
      '--detach',
      'push, print the run id, and return (Kaggle); follow with `kaggle-run logs RUN -f`',
    )
    .option(
      '--queue-timeout <duration>',
      'how long to wait for a free Kaggle session (default 30m)',
    )
    .optionsGroup('Shipping options:')
    .option('--code <mode>', 'how the code reaches Kaggle: auto | inline | dataset | git')
    .option('--git-commit', 'code git: commit the working tree on your branch and push it first')
    .option(
      '--data <slug=path>',
      'attach a local file or folder as input/SLUG for this run only (repeatable)',
      collect,
      [] as string[],
    )
    .optionsGroup('Sweep and batch options:')
    .option(
      '--sweep <key=v1,v2>',
      "sweep a param over values (repeatable; over the file's `sweep:` grid)",
      collect,
      [] as string[],
    )
    .option('--max-parallel <n>', 'sweep: at most N points at once (default 2 on Kaggle GPU/TPU)')
    .option('--max-hours <h>', 'sweep: refuse when points x timeout is over H hours')
    .option('--fail-fast', 'sweep: start no more points after one fails')
    .option('--batch <file>', 'run once per item of FILE (.jsonl or .csv), many items per session')
    .option('--per-session <k>', 'batch: items per session (overrides `batch.per_session`)')
    .option(
      '--batch-mode <mode>',
      'batch: per-item (a fresh process per item) or loop (one run per session iterates its items)',
    )
    .optionsGroup('Output options:')
    .option(
      '--output <glob>',
      'output glob to fetch (repeatable; overrides `outputs`)',
      collect,
      [] as string[],
    )
    .option(
      '--output-file <remote=local>',
      'copy output REMOTE to the exact path LOCAL; the run fails without it (repeatable)',
      collect,
      [] as string[],
    )
    .option('--output-dir <dir>', 'where outputs land (default .kaggle-run/runs/<run>/outputs)')
    // --json with --events is refused by outputMode, as an error in the format asked for.
    .option('--json', 'print exactly one JSON document (the run record) on stdout')
    .option('--events', 'print each event as a JSON line on stdout (see README: Events)')
    .optionsGroup('Options:')
    .action(async (dir, opts) => {
      const [
        { runJob },
        { jobOverridesFromFlags, runOptionsFromFlags },
        { interruptOnSigint },
        { outputMode },
        { renderRun },
        { projectHasSweep },
      ] = await Promise.all([
        import('../../run/run-job.js'),
        import('../job-flags.js'),
        import('../interrupt.js'),
        import('../output-mode.js'),
        import('../render-run.js'),
        import('../../sweep/plan-sweep.js'),
      ]);
      const mode = outputMode(opts.json, io.env, opts.events);
      const projectDir = projectFolder(dir, opts.dir, io.cwd);
      if (
        opts.sweep.length > 0 ||
        opts.batch !== undefined ||
        opts.perSession !== undefined ||
        opts.batchMode !== undefined ||
        (await projectHasSweep(projectDir))
      ) {
        const { runSweepCommand } = await import('./sweep-run.js');
        await runSweepCommand(projectDir, opts, io, setExit);
        return;
      }
      const interrupt = interruptOnSigint(io);
      try {
        const events = runJob({
          ...jobOverridesFromFlags(opts),
          dir: projectDir,
          env: io.env,
          signal: interrupt.signal,
          ...runOptionsFromFlags(opts, io.cwd),
          ...(opts.detach === true ? { detach: true } : {}),
        });
        await renderRun(events, mode, io, setExit);
      } finally {
        interrupt.dispose();
      }
    });
}
