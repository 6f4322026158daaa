import { printable } from '../../util/printable.js';
import yoctoSpinner, { type Spinner } from 'yocto-spinner';
import type { RunEvent } from '../../run/events.js';
import type { RunRecord } from '../../run/record.js';
import type { CliIo } from '../io.js';
import { colors, formatBytes } from '../output-mode.js';
import { LogBatch, type Stream } from './log-batch.js';
import type { RunRenderer } from './renderer.js';
import { shippedLine, summaryLines } from './summary.js';
import { fitForTerminal } from './terminal-fit.js';

/** How often the live log is redrawn, and the most lines one redraw shows. */
const REDRAW_MS = 100;
const MAX_LINES_PER_REDRAW = 200;

/**
 * A live terminal: a spinner while nothing is printing, the log coloured by stream. The log
 * is drawn a few times a second: a progress bar's `\r` redraws show as one updating line,
 * and a program printing faster than anyone reads shows its latest lines with a count of
 * those left out (the run's log keeps them all).
 */
export class TerminalRunRenderer implements RunRenderer {
  private readonly c;
  private spinner: Spinner | undefined;
  private readonly log: LogBatch;
  private atLineStart = true;
  private runId = '';

  constructor(private readonly io: CliIo) {
    this.c = colors('terminal', io.env);
    this.log = new LogBatch((stream, text) => this.draw(stream, text), REDRAW_MS);
  }

  private draw(stream: Stream, text: string): void {
    const fitted = fitForTerminal(text, MAX_LINES_PER_REDRAW);
    if (fitted.dropped > 0) {
      const where = this.runId === '' ? '' : `: kaggle-run logs ${this.runId}`;
      this.io.stderr(
        `${this.atLineStart ? '' : '\n'}${this.c.dim(`... ${fitted.dropped} lines not shown (the run's log has them all${where})`)}\n`,
      );
      this.atLineStart = true;
    }
    if (fitted.text === '') return;
    (stream === 'stderr' ? this.io.stderr : this.io.stdout)(
      stream === 'stderr' ? this.c.red(fitted.text) : fitted.text,
    );
    this.atLineStart = fitted.text.endsWith('\n');
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
    this.log.flush();
    const spinning = this.spinner?.text;
    this.stopSpinner();
    this.io.stderr(`${text}\n`);
    if (spinning !== undefined) this.spin(spinning);
  }

  event(event: RunEvent): void {
    const c = this.c;
    if (event.type !== 'log') this.log.flush();
    switch (event.type) {
      case 'resolved':
        this.runId = event.runId;
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
        this.log.add(event.stream, event.text);
        break;
      case 'fetching':
        this.spin(`fetching ${event.files} files (${formatBytes(event.bytes)})`);
        break;
      case 'output':
        this.line(
          c.dim(`  ${c.green('✓')} ${printable(event.file.path)} ${formatBytes(event.file.size)}`),
        );
        break;
      case 'done':
        this.stopSpinner();
        break;
    }
  }

  finish(record: RunRecord): void {
    this.log.flush();
    this.stopSpinner();
    const { headline, details } = summaryLines(record);
    const mark = record.status === 'complete' ? this.c.green('✓') : this.c.red('✗');
    this.io.stderr(`${mark} ${this.c.bold(headline)}\n`);
    for (const line of details) this.io.stderr(`  ${line}\n`);
  }

  close(): void {
    this.log.flush();
    this.stopSpinner();
  }
}
