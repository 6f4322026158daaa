import { printable } from '../../util/printable.js';
import type { RunEvent } from '../../run/events.js';
import type { RunRecord } from '../../run/record.js';
import type { CliIo } from '../io.js';
import { formatBytes } from '../output-mode.js';
import { LogBatch } from './log-batch.js';
import type { RunRenderer } from './renderer.js';
import { shippedLine, summaryLines } from './summary.js';

/** Plain lines for CI logs and pipes: the program's output as it is, ours prefixed. */
export class PlainRunRenderer implements RunRenderer {
  private readonly log: LogBatch;

  constructor(private readonly io: CliIo) {
    this.log = new LogBatch((stream, text) => (stream === 'stderr' ? io.stderr : io.stdout)(text));
  }

  private say(text: string): void {
    this.log.flush();
    this.io.stderr(`[kaggle-run] ${text}\n`);
  }

  event(event: RunEvent): void {
    switch (event.type) {
      case 'resolved':
        this.say(
          `run ${event.runId}: ${event.job.entry} on ${event.job.platform} (${event.job.accelerator})`,
        );
        break;
      case 'packed':
        this.say(
          `packed ${event.files} files, ${formatBytes(event.bytes)}, sha256 ${event.codeHash.slice(0, 12)}`,
        );
        break;
      case 'shipped':
        this.say(shippedLine(event));
        break;
      case 'shipped-git':
        this.say(
          `code: git ${event.url} at ${event.commit.slice(0, 12)}${event.snapshot ? ' (a snapshot of your working tree)' : ''}`,
        );
        break;
      case 'warning':
        this.say(`warning: ${event.message}`);
        break;
      case 'pushed':
        this.say(
          `pushed ${event.handle.kernel}${event.handle.version === null ? '' : ` version ${event.handle.version}`}${event.handle.url ? ` ${event.handle.url}` : ''}`,
        );
        break;
      case 'attached':
        this.say(
          `attached to run ${event.runId}: ${event.handle.kernel}${event.handle.version === null ? '' : ` version ${event.handle.version}`}`,
        );
        break;
      case 'status':
        this.say(`status: ${event.status}${event.message ? ` (${event.message})` : ''}`);
        break;
      case 'log':
        this.log.add(event.stream, event.text);
        break;
      case 'fetching':
        this.say(`fetching ${event.files} files, ${formatBytes(event.bytes)}`);
        break;
      case 'output':
        this.say(
          `output ${printable(event.file.path)} (${formatBytes(event.file.size)}, verified)`,
        );
        break;
      case 'done':
        break;
    }
  }

  finish(record: RunRecord): void {
    const { headline, details } = summaryLines(record);
    this.say(headline);
    for (const line of details) this.say(line);
  }

  close(): void {
    this.log.flush();
  }
}
