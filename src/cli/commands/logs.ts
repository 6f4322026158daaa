import type { Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';
import { DIR_DESCRIPTION, DIR_FLAGS, RUN_ARGUMENT, RUN_DESCRIPTION } from '../arguments.js';

export function registerLogs(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('logs')
    .description("print a run's log")
    .argument(RUN_ARGUMENT, RUN_DESCRIPTION)
    .option(DIR_FLAGS, DIR_DESCRIPTION)
    .option(
      '-f, --follow',
      'keep printing as the log grows, until the run ends (a run nobody watches is attached to: its outputs are fetched)',
    )
    .action(async (ref, opts) => {
      const [{ followRun }, { reportError }, { interruptOnSigint }, { storeFor }] =
        await Promise.all([
          import('../../run/follow-run.js'),
          import('../exit.js'),
          import('../interrupt.js'),
          import('../project.js'),
        ]);
      const store = await storeFor(opts.dir, io);
      const record = await store.resolve(ref);
      const interrupt = interruptOnSigint(io);
      try {
        for await (const event of followRun({
          store,
          record,
          follow: opts.follow === true,
          env: io.env,
          signal: interrupt.signal,
        })) {
          if (event.type === 'log') (event.stream === 'stderr' ? io.stderr : io.stdout)(event.text);
          else if (event.type === 'done') {
            const ended = event.record;
            io.stderr(
              `[kaggle-run] run ${ended.runId}: ${ended.status}; ${ended.outputs.length} output file(s) in ${ended.outputDir}\n`,
            );
          }
        }
      } catch (error) {
        setExit(reportError(error, io, 'text'));
      } finally {
        interrupt.dispose();
      }
    });
}
