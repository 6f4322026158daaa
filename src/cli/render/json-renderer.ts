import type { RunEvent } from '../../run/events.js';
import type { RunRecord } from '../../run/record.js';
import type { CliIo } from '../io.js';
import type { RunRenderer } from './renderer.js';

/** Exactly one JSON document on stdout; the program's log goes to stderr meanwhile. */
export class JsonRunRenderer implements RunRenderer {
  constructor(private readonly io: CliIo) {}

  event(event: RunEvent): void {
    if (event.type === 'log') this.io.stderr(event.text);
    else if (event.type === 'warning') this.io.stderr(`kaggle-run: warning: ${event.message}\n`);
    else if (event.type === 'status' && event.message !== undefined) {
      this.io.stderr(`kaggle-run: ${event.status}: ${event.message}\n`);
    }
  }

  finish(record: RunRecord): void {
    this.io.stdout(`${JSON.stringify(record, null, 2)}\n`);
  }

  close(): void {}
}
