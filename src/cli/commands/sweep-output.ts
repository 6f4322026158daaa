// What a sweep looks like on the command line: a line per point as it starts and ends, each
// point's log with its label in front (`[lr=0.1,seed=1] epoch 1/3`), and at the end either a
// summary line or, with --json, one document: {sweepId, makespanSeconds, points: [runs]}.

import type { SweepEvent, SweepResult } from '../../sweep/events.js';
import type { CliIo } from '../io.js';
import type { OutputMode } from '../output-mode.js';
import { formatDuration } from '../output-mode.js';

export function sweepJson(result: SweepResult): Record<string, unknown> {
  return {
    sweepId: result.sweep.sweepId,
    makespanSeconds: Math.round(result.makespanSeconds * 1000) / 1000,
    exitCode: result.exitCode,
    points: result.records.map(
      (run, i) =>
        run ?? {
          runId: null,
          params: result.sweep.points[i]?.params ?? {},
          status: result.sweep.points[i]?.status ?? 'skipped',
        },
    ),
  };
}

export class SweepPrinter {
  /** Unfinished log lines per point and stream, so points' lines never interleave mid-line. */
  private readonly partial = new Map<string, string>();

  constructor(
    private readonly mode: OutputMode,
    private readonly io: CliIo,
  ) {}

  private say(text: string): void {
    this.io.stderr(`[kaggle-run] ${text}\n`);
  }

  private log(label: string, index: number, stream: 'stdout' | 'stderr', text: string): void {
    // --events carries the log in its point-event lines; stderr gets only kaggle-run's own.
    if (this.mode === 'events') return;
    const key = `${index}:${stream}`;
    const lines = ((this.partial.get(key) ?? '') + text).split('\n');
    this.partial.set(key, lines.pop() ?? '');
    const write = this.mode === 'json' || stream === 'stderr' ? this.io.stderr : this.io.stdout;
    for (const line of lines) write(`[${label}] ${line}\n`);
  }

  event(event: SweepEvent): void {
    switch (event.type) {
      case 'sweep-start': {
        const { sweep } = event;
        this.say(
          `sweep ${sweep.sweepId}: ${sweep.points.length} point${sweep.points.length === 1 ? '' : 's'}${event.resumed ? ` (${event.toRun} to finish)` : ''} of ${sweep.job} on ${sweep.platform} (${sweep.accelerator}), at most ${sweep.maxParallel} at a time`,
        );
        break;
      }
      case 'warning':
        this.say(`warning: ${event.message}`);
        break;
      case 'cap-learned':
        this.say(event.message);
        break;
      case 'point-start':
        this.say(`[${event.point.label}] ${event.mode === 'attach' ? 'attaching' : 'started'}`);
        break;
      case 'point-event': {
        const { point, event: e } = event;
        if (e.type === 'log') this.log(point.label, point.index, e.stream, e.text);
        else if (e.type === 'warning') this.say(`[${point.label}] warning: ${e.message}`);
        else if (e.type === 'status' && e.message !== undefined)
          this.say(`[${point.label}] ${e.status}: ${e.message}`);
        else if (e.type === 'resolved') this.say(`[${point.label}] run ${e.runId}`);
        else if (e.type === 'pushed')
          this.say(
            `[${point.label}] pushed ${e.handle.kernel}${e.handle.version === null ? '' : ` version ${e.handle.version}`}`,
          );
        break;
      }
      case 'point-end': {
        const { point, record } = event;
        for (const stream of ['stdout', 'stderr'] as const) {
          const rest = this.partial.get(`${point.index}:${stream}`);
          if (rest) this.log(point.label, point.index, stream, '\n');
        }
        const took =
          record?.startedAt && record.endedAt
            ? ` in ${formatDuration((Date.parse(record.endedAt) - Date.parse(record.startedAt)) / 1000)}`
            : '';
        this.say(
          `[${point.label}] ${point.status}${took}${record === null ? '' : ` (run ${record.runId})`}${event.error === undefined ? '' : `: ${event.error}`}`,
        );
        break;
      }
      case 'done':
        break;
    }
  }

  finish(result: SweepResult): void {
    if (this.mode === 'json') {
      this.io.stdout(`${JSON.stringify(sweepJson(result), null, 2)}\n`);
      return;
    }
    const points = result.sweep.points;
    const complete = points.filter((p) => p.status === 'complete').length;
    this.say(
      `sweep ${result.sweep.sweepId}: ${complete}/${points.length} points complete in ${formatDuration(result.makespanSeconds)}`,
    );
    if (complete < points.length) {
      this.say(`finish the rest with \`kaggle-run attach ${result.sweep.sweepId}\``);
    }
  }
}
