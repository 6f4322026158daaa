import type { RunEvent } from '../../run/events.js';
import type { RunRecord } from '../../run/record.js';
import type { CliIo } from '../io.js';
import type { OutputMode } from '../output-mode.js';
import { EventsRunRenderer } from './events-renderer.js';
import { JsonRunRenderer } from './json-renderer.js';
import { PlainRunRenderer } from './plain-renderer.js';
import { TerminalRunRenderer } from './terminal-renderer.js';

/** Turns a run's events into what the user sees; one per output mode. */
export interface RunRenderer {
  event(event: RunEvent): void;
  /** The run ended (any status): print the summary or the JSON document. */
  finish(record: RunRecord): void;
  /** Stops spinners before an error is printed. */
  close(): void;
}

export function createRunRenderer(mode: OutputMode, io: CliIo): RunRenderer {
  if (mode === 'json') return new JsonRunRenderer(io);
  if (mode === 'events') return new EventsRunRenderer(io);
  if (mode === 'terminal') return new TerminalRunRenderer(io);
  return new PlainRunRenderer(io);
}
