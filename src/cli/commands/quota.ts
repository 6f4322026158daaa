import type { Command } from '@commander-js/extra-typings';
import type { AcceleratorQuota } from '../../kaggle/kernels.js';
import type { CliIo } from '../io.js';
import { ENDPOINT_DESCRIPTION, ENDPOINT_FLAGS } from '../arguments.js';

function hours(seconds: number): string {
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function quotaLine(name: string, q: AcceleratorQuota): string {
  const left = Math.max(0, q.allowedSeconds - q.usedSeconds - q.reservedSeconds);
  return `${name}: ${hours(q.usedSeconds)} used of ${hours(q.allowedSeconds)}, ${hours(left)} left${q.reservedSeconds > 0 ? ` (${hours(q.reservedSeconds)} reserved by running sessions)` : ''}`;
}

export function registerQuota(program: Command, io: CliIo): void {
  program
    .command('quota')
    .description('your Kaggle GPU and TPU hours: used, left, and when they refresh')
    .option(ENDPOINT_FLAGS, ENDPOINT_DESCRIPTION)
    .option('--json', 'print the figures as JSON (seconds)')
    .action(async (opts) => {
      const { kaggleAccount } = await import('../../platform/create-platform.js');
      const client = await kaggleAccount({ endpoint: opts.endpoint, env: io.env });
      for (const warning of client.warnings) io.stderr(`kaggle-run: warning: ${warning}\n`);
      const quota = await client.kernels.getAcceleratorQuotaStatistics();
      if (opts.json) {
        io.stdout(`${JSON.stringify({ username: client.username, ...quota }, null, 2)}\n`);
        return;
      }
      io.stdout(`${quotaLine('GPU', quota.gpu)}\n${quotaLine('TPU', quota.tpu)}\n`);
      if (quota.refreshTime !== undefined) io.stdout(`refreshes at ${quota.refreshTime}\n`);
    });
}
