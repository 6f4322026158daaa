import type { RunEvent } from '../../run/events.js';
import type { RunRecord } from '../../run/record.js';
import type { CliIo } from '../io.js';
import { eventLine } from './event-line.js';
import { PlainRunRenderer } from './plain-renderer.js';
import type { RunRenderer } from './renderer.js';

/**
 * `--events`: every event as a JSON line on stdout (the last one is `done`, or the `error`
 * line reportError writes). kaggle-run's own lines go to stderr as in plain mode; the
 * program's log is only in the `log` events, so a host passing stderr through shows it once.
 */
export class EventsRunRenderer implements RunRenderer {
  private readonly human: PlainRunRenderer;

  constructor(private readonly io: CliIo) {
    this.human = new PlainRunRenderer({ ...io, stdout: io.stderr });
  }

  event(event: RunEvent): void {
    this.io.stdout(eventLine(event));
    if (event.type !== 'log') this.human.event(event);
  }

  finish(record: RunRecord): void {
    this.human.finish(record);
  }

  close(): void {}
}
