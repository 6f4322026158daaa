import { printable } from '../../util/printable.js';
import type { RunEvent } from '../../run/events.js';
import type { RunRecord } from '../../run/record.js';
import { formatBytes, formatDuration } from '../output-mode.js';

export function runSeconds(record: Pick<RunRecord, 'startedAt' | 'endedAt'>): number | undefined {
  if (record.startedAt === null || record.endedAt === null) return undefined;
  return (Date.parse(record.endedAt) - Date.parse(record.startedAt)) / 1000;
}

/** The lines printed when a run ends, shared by the terminal and plain renderers. */
export function summaryLines(record: RunRecord): { headline: string; details: string[] } {
  const seconds = runSeconds(record);
  const took = seconds === undefined ? '' : ` in ${formatDuration(seconds)}`;
  const exit = record.exitCode === null ? '' : `, exit code ${record.exitCode}`;
  if (record.step === 'pushed' && record.error === null) {
    return {
      headline: `pushed ${record.kernel ?? ''}${record.version === null ? '' : ` version ${record.version}`} (run ${record.runId}), detached`,
      details: [`follow it with: kaggle-run logs ${record.runId} -f`],
    };
  }
  const headline = `${record.status}${took}${exit} (run ${record.runId})`;
  const details: string[] = [];
  if (record.error !== null && record.status !== 'complete') details.push(record.error.message);
  if (record.outputs.length > 0) {
    details.push(`${record.outputs.length} output file(s) in ${record.outputDir}:`);
    for (const o of record.outputs.slice(0, 20))
      details.push(`  ${printable(o.path)}  ${formatBytes(o.size)}`);
    if (record.outputs.length > 20) details.push(`  ... and ${record.outputs.length - 20} more`);
  }
  return { headline, details };
}

/** "code: me/kaggle-run-x-code version 3, uploaded 12.0 MB" / "... unchanged, nothing uploaded". */
export function shippedLine(event: Extract<RunEvent, { type: 'shipped' }>): string {
  const version = event.version === null ? '' : ` version ${event.version}`;
  const what = event.uploaded
    ? `uploaded ${formatBytes(event.bytes)}`
    : 'unchanged, nothing uploaded';
  return `${event.what}: dataset ${event.dataset}${version}, ${what}`;
}
