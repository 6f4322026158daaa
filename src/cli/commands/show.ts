import type { Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';
import { DIR_DESCRIPTION, DIR_FLAGS, RUN_ARGUMENT, RUN_DESCRIPTION } from '../arguments.js';
import type { RunRecord } from '../../run/record.js';

export function registerShow(program: Command, io: CliIo): void {
  program
    .command('show')
    .description('show one run (id, unique part of one, or `last`)')
    .argument(RUN_ARGUMENT, RUN_DESCRIPTION)
    .option(DIR_FLAGS, DIR_DESCRIPTION)
    .option('--json', 'print the run record as JSON')
    .action(async (ref, opts) => {
      const [{ storeFor }, { summaryLines }, { formatBytes }] = await Promise.all([
        import('../project.js'),
        import('../render/summary.js'),
        import('../output-mode.js'),
      ]);
      const record = await (await storeFor(opts.dir, io)).resolve(ref);
      if (opts.json) {
        io.stdout(`${JSON.stringify(record, null, 2)}\n`);
        return;
      }
      const { headline, details } = summaryLines(record);
      const rows: [string, string][] = [
        ['run', record.runId],
        ['job', `${record.job} (${record.entry})`],
        ['platform', record.platform + (record.endpoint ? ` via ${record.endpoint}` : '')],
        [
          'kernel',
          record.kernel === null
            ? '-'
            : `${record.kernel}${record.version === null ? '' : ` v${record.version}`}`,
        ],
        ['status', headline],
        ['params', JSON.stringify(record.params)],
        [
          'accelerator',
          `${record.accelerator}${record.acceleratorSeen ? ` (seen: ${record.acceleratorSeen.kind}${record.acceleratorSeen.names.length ? ` ${record.acceleratorSeen.names.join(', ')}` : ''})` : ''}`,
        ],
        ['code', record.codeHash ?? '-'],
        ['shipping', shippingText(record, formatBytes)],
        ...(record.image ? [['image', record.image] as [string, string]] : []),
        ['started', record.startedAt ?? '-'],
        ['ended', record.endedAt ?? '-'],
      ];
      for (const [key, value] of rows) io.stdout(`${key.padEnd(12)} ${value}\n`);
      for (const line of details) io.stdout(`${line}\n`);
      for (const w of record.warnings) io.stdout(`warning: ${w}\n`);
    });
}

/** "dataset me/x-code v3, 0 B uploaded; data me/voice-ref v2" and the like. */
function shippingText(record: RunRecord, formatBytes: (bytes: number) => string): string {
  const s = record.shipping;
  if (s === null || s === undefined) return '-';
  const where =
    s.mode === 'dataset'
      ? ` ${s.dataset ?? '?'}${s.datasetVersion === null ? '' : ` v${s.datasetVersion}`}`
      : s.mode === 'git'
        ? ` ${s.commit?.slice(0, 12) ?? '?'}`
        : '';
  const data = s.data.map(
    (d) => `; data ${d.dataset}${d.version === null ? '' : ` v${d.version}`}`,
  );
  return `${s.mode}${where}, ${formatBytes(s.bytesUploaded)} uploaded${data.join('')}`;
}
