import type { RunEvent } from '../../run/events.js';
import type { RunRecord } from '../../run/record.js';
import type { CliIo } from '../io.js';
import { LogBatch } from './log-batch.js';
import type { RunRenderer } from './renderer.js';

/** Exactly one JSON document on stdout; the program's log goes to stderr meanwhile. */
export class JsonRunRenderer implements RunRenderer {
  private readonly log: LogBatch;

  constructor(private readonly io: CliIo) {
    this.log = new LogBatch((_stream, text) => io.stderr(text));
  }

  event(event: RunEvent): void {
    if (event.type === 'log') {
      this.log.add('stderr', event.text);
      return;
    }
    this.log.flush();
    if (event.type === 'warning') this.io.stderr(`kaggle-run: warning: ${event.message}\n`);
    else if (event.type === 'status' && event.message !== undefined) {
      this.io.stderr(`kaggle-run: ${event.status}: ${event.message}\n`);
    }
  }

  finish(record: RunRecord): void {
    this.log.flush();
    this.io.stdout(`${JSON.stringify(record, null, 2)}\n`);
  }

  close(): void {
    this.log.flush();
  }
}
