import type { Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';

export function registerServer(program: Command, io: CliIo): void {
  program
    .command('server')
    .description('serve a Kaggle-compatible API on 127.0.0.1 that runs kernels on this machine')
    .option('--port <n>', 'port; 0 picks a free one', '0')
    .option('--data-dir <dir>', 'where kernels, logs and outputs live (default: a new temp folder)')
    .option(
      '--faults <spec>',
      'inject faults: a rate (0.2) or kind=rate,... (429, 500, 503, drop, truncate, slow, queue, status404)',
    )
    .option('--fault-seed <n>', 'seed for repeatable faults')
    .option(
      '--accounts <file>',
      'JSON [{"username", "key"} | {"username", "token"}] (default KAGGLE_USERNAME/KAGGLE_KEY)',
    )
    .option('--gpu-sessions <n>', 'concurrent GPU/TPU sessions per user', '2')
    .option('--quota-hours <h>', 'weekly GPU quota per user, hours', '30')
    .option('--session-timeout <s>', 'longest (and default) session, seconds', '43200')
    .option('--python <path>', 'interpreter for kernels (default KAGGLE_RUN_PYTHON, then python3)')
    .option(
      '--dataset-ready-delay <s>',
      'seconds a new dataset version is processing before READY (kernels get the previous one)',
      '1',
    )
    .option(
      '--seed-dir <dir>',
      'read-only folder of competitions/<slug>/ and models/<owner>/<model>/<framework>/<variation>/<version>/',
    )
    .option(
      '--input-layout <layout>',
      'where attached sources appear under /kaggle/input: current (datasets/<owner>/<slug>/, ...), legacy (<slug>/) or both',
      'current',
    )
    .option(
      '--trusted-user',
      "serve several accounts although sessions run without bubblewrap (they can read each other's data): all belong to one trusted person",
    )
    .option(
      '--secret <name=value>',
      'a Kaggle user secret of the (first) account, for kaggle_secrets in sessions; repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (opts) => {
      // Lazy: the server's modules load only for this command.
      const { runServerCommand } = await import('../../server/command.js');
      await runServerCommand(opts, {
        stdout: { write: io.stdout },
        stderr: { write: io.stderr },
        env: io.env,
      });
    });
}
