import yoctoSpinner, { type Spinner } from 'yocto-spinner';
import type { RunEvent } from '../../run/events.js';
import type { RunRecord } from '../../run/record.js';
import type { CliIo } from '../io.js';
import { colors, formatBytes } from '../output-mode.js';
import type { RunRenderer } from './renderer.js';
import { shippedLine, summaryLines } from './summary.js';

/** A live terminal: a spinner while nothing is printing, the log coloured by stream. */
export class TerminalRunRenderer implements RunRenderer {
  private readonly c;
  private spinner: Spinner | undefined;

  constructor(private readonly io: CliIo) {
    this.c = colors('terminal', io.env);
  }

  private spin(text: string): void {
    if (this.spinner === undefined)
      this.spinner = yoctoSpinner({ text, stream: process.stderr }).start();
    else this.spinner.text = text;
  }

  private stopSpinner(): void {
    this.spinner?.stop();
    this.spinner = undefined;
  }

  private line(text: string): void {
    const spinning = this.spinner?.text;
    this.stopSpinner();
    this.io.stderr(`${text}\n`);
    if (spinning !== undefined) this.spin(spinning);
  }

  event(event: RunEvent): void {
    const c = this.c;
    switch (event.type) {
      case 'resolved':
        this.line(
          `${c.bold('kaggle-run')} ${event.job.entry} ${c.dim(`on ${event.job.platform}, ${event.job.accelerator}, run ${event.runId}`)}`,
        );
        this.spin('packing');
        break;
      case 'packed':
        this.line(
          c.dim(
            `packed ${event.files} files (${formatBytes(event.bytes)}), sha256 ${event.codeHash.slice(0, 12)}`,
          ),
        );
        this.spin('pushing');
        break;
      case 'shipped':
        this.line(c.dim(shippedLine(event)));
        break;
      case 'shipped-git':
        this.line(
          c.dim(
            `code: git ${event.url} at ${event.commit.slice(0, 12)}${event.snapshot ? ' (a snapshot of your working tree)' : ''}`,
          ),
        );
        break;
      case 'warning':
        this.line(c.yellow(`warning: ${event.message}`));
        break;
      case 'pushed':
        this.line(
          c.dim(`pushed ${event.handle.kernel}${event.handle.url ? ` ${event.handle.url}` : ''}`),
        );
        this.spin('waiting for the kernel');
        break;
      case 'attached':
        this.line(c.dim(`attached to run ${event.runId}: ${event.handle.kernel}`));
        this.spin('waiting for the kernel');
        break;
      case 'status':
        if (event.status === 'queued') this.spin('queued');
        else if (event.status === 'running') this.spin('running');
        else this.stopSpinner();
        break;
      case 'log':
        this.stopSpinner();
        (event.stream === 'stderr' ? this.io.stderr : this.io.stdout)(
          event.stream === 'stderr' ? c.red(event.text) : event.text,
        );
        break;
      case 'fetching':
        this.spin(`fetching ${event.files} files (${formatBytes(event.bytes)})`);
        break;
      case 'output':
        this.line(c.dim(`  ${c.green('✓')} ${event.file.path} ${formatBytes(event.file.size)}`));
        break;
      case 'done':
        this.stopSpinner();
        break;
    }
  }

  finish(record: RunRecord): void {
    this.stopSpinner();
    const { headline, details } = summaryLines(record);
    const mark = record.status === 'complete' ? this.c.green('✓') : this.c.red('✗');
    this.io.stderr(`${mark} ${this.c.bold(headline)}\n`);
    for (const line of details) this.io.stderr(`  ${line}\n`);
  }

  close(): void {
    this.stopSpinner();
  }
}
