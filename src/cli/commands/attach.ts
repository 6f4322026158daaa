import type { Command } from '@commander-js/extra-typings';
import { resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { DIR_DESCRIPTION, DIR_FLAGS, RUN_ARGUMENT, RUN_DESCRIPTION } from '../arguments.js';

/** Whether `ref` names a sweep rather than a run, by the rule of attach-target.ts. */
async function isSweepRef(dir: string, ref: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const { storeForDir } = await import('../../store/store-for-dir.js');
  const { attachTarget } = await import('../../sweep/attach-target.js');
  return (await attachTarget(await storeForDir(dir, env), ref)).kind === 'sweep';
}

export function registerAttach(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('attach')
    .description('pick up a run whose process stopped: follow its log, wait, fetch its outputs')
    .argument(RUN_ARGUMENT, `${RUN_DESCRIPTION}; or a sweep id, or \`last-sweep\``)
    .option(DIR_FLAGS, DIR_DESCRIPTION)
    .option('--max-parallel <n>', 'sweep: at most N points at once')
    .option('--fail-fast', 'sweep: start no more points after one fails')
    .option('--json', 'print exactly one JSON document (the run record) on stdout')
    .option('--events', 'print each event as a JSON line on stdout (see README: Events)')
    .action(async (ref, opts) => {
      const dir = resolve(io.cwd, opts.dir ?? '.');
      if (await isSweepRef(dir, ref, io.env)) {
        const { attachSweepCommand } = await import('./sweep-run.js');
        await attachSweepCommand(dir, ref, opts, io, setExit);
        return;
      }
      const [{ attachRun }, { outputMode }, { renderRun }, { interruptOnSigint }] =
        await Promise.all([
          import('../../run/attach-run.js'),
          import('../output-mode.js'),
          import('../render-run.js'),
          import('../interrupt.js'),
        ]);
      const mode = outputMode(opts.json, io.env, opts.events);
      const interrupt = interruptOnSigint(io);
      try {
        await renderRun(
          attachRun({
            dir,
            run: ref,
            env: io.env,
            signal: interrupt.signal,
          }),
          mode,
          io,
          setExit,
        );
      } finally {
        interrupt.dispose();
      }
    });
}
