import type { Command } from '@commander-js/extra-typings';
import { connectKaggle } from '../../kaggle/client.js';
import { parseKernelRef } from '../../kaggle/kernel-ref.js';
import type { CliIo } from '../io.js';
import { storeFor } from '../project.js';

export function registerStatus(program: Command, io: CliIo): void {
  program
    .command('status')
    .description("a run's status; for a Kaggle run, asks Kaggle now")
    .argument('<run>', 'run id (or `last`)')
    .option('--dir <dir>', 'project folder (default .)')
    .option('--json', 'print {runId, kernel, status, remoteStatus, message} as JSON')
    .action(async (ref, opts) => {
      const record = await (await storeFor(opts.dir, io)).resolve(ref);
      let remoteStatus: string | null = null;
      let message: string | null = null;
      if (record.platform === 'kaggle' && record.kernel !== null) {
        const client = await connectKaggle({ endpoint: record.endpoint ?? undefined, env: io.env });
        const { owner, slug } = parseKernelRef(record.kernel);
        const remote = await client.kernels.getKernelSessionStatus(owner, slug);
        remoteStatus = remote.status;
        message = remote.failureMessage ?? null;
      }
      if (opts.json) {
        io.stdout(
          `${JSON.stringify({ runId: record.runId, kernel: record.kernel, version: record.version, status: record.status, step: record.step, remoteStatus, message }, null, 2)}\n`,
        );
        return;
      }
      io.stdout(`${record.runId}: ${record.status} (step ${record.step})\n`);
      if (remoteStatus !== null) {
        // Kaggle's status describes the kernel's latest version, which may be a newer push.
        io.stdout(
          `kaggle: ${record.kernel} latest version is ${remoteStatus}${message ? `: ${message}` : ''}\n`,
        );
      }
    });
}
