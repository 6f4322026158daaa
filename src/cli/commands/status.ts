import type { Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';
import { DIR_DESCRIPTION, DIR_FLAGS, RUN_ARGUMENT, RUN_DESCRIPTION } from '../arguments.js';

export function registerStatus(program: Command, io: CliIo): void {
  program
    .command('status')
    .description("a run's status; for a run on a remote platform, asks the platform now")
    .argument(RUN_ARGUMENT, RUN_DESCRIPTION)
    .option(DIR_FLAGS, DIR_DESCRIPTION)
    .option('--json', 'print {runId, kernel, status, remoteStatus, message, next} as JSON')
    .action(async (ref, opts) => {
      const [{ runStatus }, { storeFor }] = await Promise.all([
        import('../../run/run-status.js'),
        import('../project.js'),
      ]);
      const store = await storeFor(opts.dir, io);
      const { record, remoteStatus, message, next } = await runStatus(
        store,
        await store.resolve(ref),
        io.env,
      );
      // Kaggle's spelling of a status (COMPLETE, RUNNING), as `kaggle kernels status` prints it.
      const remote = remoteStatus === null ? null : remoteStatus.toUpperCase();
      if (opts.json) {
        io.stdout(
          `${JSON.stringify({ runId: record.runId, kernel: record.kernel, version: record.version, status: record.status, step: record.step, remoteStatus: remote, message, next }, null, 2)}\n`,
        );
        return;
      }
      io.stdout(`${record.runId}: ${record.status} (step ${record.step})\n`);
      if (remote !== null) {
        // The platform's status describes the kernel's latest version, which may be a newer push.
        io.stdout(
          `${record.platform}: ${record.kernel} latest version is ${remote}${message ? `: ${message}` : ''}\n`,
        );
      }
      if (next !== null) io.stdout(`${next}\n`);
    });
}
