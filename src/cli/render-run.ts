import { errorFormat, exitCodeForRecord, reportError } from './exit.js';
import type { CliIo } from './io.js';
import type { OutputMode } from './output-mode.js';
import { createRunRenderer } from './render/renderer.js';
import type { RunEvent } from '../run/events.js';

/** Shows one run's events (run or attach) and sets the exit code from how it ended. */
export async function renderRun(
  events: AsyncIterable<RunEvent>,
  mode: OutputMode,
  io: CliIo,
  setExit: (code: number) => void,
): Promise<void> {
  const renderer = createRunRenderer(mode, io);
  // The run an error ends, for the error document (`--json`) and the `error` line (`--events`).
  let runId: string | null = null;
  try {
    for await (const event of events) {
      if (event.type === 'resolved' || event.type === 'attached') runId = event.runId;
      renderer.event(event);
      if (event.type === 'done') {
        renderer.finish(event.record);
        setExit(exitCodeForRecord(event.record));
      }
    }
  } catch (error) {
    renderer.close();
    setExit(reportError(error, io, errorFormat(mode), runId));
  }
}
