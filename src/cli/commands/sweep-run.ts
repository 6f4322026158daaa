// `kaggle-run run` on a job with a sweep (`sweep:` in the spec, or --sweep flags), and
// `kaggle-run attach SWEEP`: run the points through the sweep scheduler and print them.

import type * as z from 'zod';
import { UsageError } from '../../errors.js';
import { checkWith, flagNumber } from '../../config/overrides.js';
import { maxHoursSchema, maxParallelSchema } from '../../config/sweep-limits.js';
import type { SweepEvent, SweepResult } from '../../sweep/events.js';
import { resumeSweep, runSweep } from '../../sweep/run-sweep.js';
import { errorFormat, reportError } from '../exit.js';
import { eventLine } from '../render/event-line.js';
import { interruptOnSigint } from '../interrupt.js';
import type { CliIo } from '../io.js';
import { formatDuration } from '../output-mode.js';
import { outputMode, type OutputMode } from '../output-mode.js';
import { summarize } from '../../batch/merge-items.js';
import { SweepPrinter, sweepJson } from './sweep-output.js';
import {
  batchOptionsFromFlags,
  jobOverridesFromFlags,
  runOptionsFromFlags,
  type JobFlags,
} from '../job-flags.js';

export interface SweepRunFlags extends JobFlags {
  detach?: true | undefined;
  sweep: string[];
  maxParallel?: string | undefined;
  maxHours?: string | undefined;
  failFast?: true | undefined;
  json?: true | undefined;
  events?: true | undefined;
  batch?: string | undefined;
  perSession?: string | undefined;
  batchMode?: string | undefined;
}

/** A limit flag's value through the schema a library caller's value meets. */
function limitFlag(
  schema: z.ZodType<number>,
  value: string | undefined,
  flag: string,
): number | undefined {
  return value === undefined ? undefined : checkWith(schema, flagNumber(value), flag);
}

async function drive(
  events: AsyncGenerator<SweepEvent, SweepResult>,
  printer: SweepPrinter,
  io: CliIo,
  mode: OutputMode,
  setExit: (code: number) => void,
): Promise<void> {
  const json = mode === 'json';
  for await (const event of events) {
    if (mode === 'events') io.stdout(eventLine(event));
    printer.event(event);
    if (event.type === 'done') {
      const items = event.result.items;
      if (items !== undefined && json) {
        const outputDir = event.result.sweep.batch?.outputDir;
        io.stdout(`${JSON.stringify({ ...sweepJson(event.result), outputDir, items }, null, 2)}\n`);
      } else if (items !== undefined) {
        printBatchSummary(event.result, io);
      } else {
        printer.finish(event.result);
      }
      setExit(event.result.exitCode);
    }
  }
}

/** `batch: 5 ok, 1 failed, 1 missing`, each failed item with its last error line. */
function printBatchSummary(result: SweepResult, io: CliIo): void {
  const items = result.items ?? [];
  const { ok, failed, missing } = summarize(items);
  const say = (text: string) => io.stderr(`[kaggle-run] ${text}\n`);
  const sessions = result.sweep.points.length;
  say(
    `batch ${result.sweep.sweepId}: ${items.length} items in ${sessions} session${sessions === 1 ? '' : 's'}, ${formatDuration(result.makespanSeconds)}: ${ok} ok, ${failed.length} failed, ${missing.length} missing`,
  );
  for (const item of failed) {
    const lines = (item.error ?? '').split('\n').filter((l) => l.trim() !== '');
    say(`  failed ${item.id} (chunk ${item.chunk}): ${lines.at(-1) ?? `exit ${item.exitCode}`}`);
  }
  if (missing.length > 0) {
    const ids = missing.slice(0, 10).map((i) => i.id);
    say(`  missing: ${ids.join(', ')}${missing.length > ids.length ? ', ...' : ''}`);
    say(`run the missing chunks with \`kaggle-run attach ${result.sweep.sweepId}\``);
  }
  const dir = result.sweep.batch?.outputDir;
  if (dir !== undefined)
    say(`outputs in ${dir}/items/<id>/, one line per item in ${dir}/items.jsonl`);
}

export async function runSweepCommand(
  projectDir: string,
  opts: SweepRunFlags,
  io: CliIo,
  setExit: (code: number) => void,
): Promise<void> {
  const mode = outputMode(opts.json, io.env, opts.events);
  const printer = new SweepPrinter(mode, io);
  const interrupt = interruptOnSigint(io);
  try {
    if (opts.detach === true) {
      throw new UsageError(
        '--detach is not available for a sweep: the scheduler must stay to start the points',
        {
          hint: 'run it in the background (nohup, tmux); `kaggle-run attach SWEEP` resumes it if it stops',
        },
      );
    }
    if (opts.outputFile.length > 0) {
      throw new UsageError(
        "--output-file puts one run's file at one path, and a sweep or batch has many runs",
        { hint: 'use --output-dir (each point or item gets a folder of its own)' },
      );
    }
    const maxParallel = limitFlag(maxParallelSchema, opts.maxParallel, '--max-parallel');
    const maxHours = limitFlag(maxHoursSchema, opts.maxHours, '--max-hours');
    await drive(
      runSweep({
        ...jobOverridesFromFlags(opts),
        dir: projectDir,
        env: io.env,
        signal: interrupt.signal,
        sweepFlags: opts.sweep,
        ...(maxParallel === undefined ? {} : { maxParallel }),
        ...(maxHours === undefined ? {} : { maxHours }),
        ...(opts.failFast === true ? { failFast: true } : {}),
        ...runOptionsFromFlags(opts, io.cwd),
        ...batchOptionsFromFlags(opts, io.cwd),
      }),
      printer,
      io,
      mode,
      setExit,
    );
  } catch (error) {
    setExit(reportError(error, io, errorFormat(mode)));
  } finally {
    interrupt.dispose();
  }
}

export async function attachSweepCommand(
  dir: string,
  sweep: string,
  opts: {
    json?: true | undefined;
    events?: true | undefined;
    maxParallel?: string | undefined;
    failFast?: true | undefined;
  },
  io: CliIo,
  setExit: (code: number) => void,
): Promise<void> {
  const mode = outputMode(opts.json, io.env, opts.events);
  const printer = new SweepPrinter(mode, io);
  const interrupt = interruptOnSigint(io);
  try {
    const maxParallel = limitFlag(maxParallelSchema, opts.maxParallel, '--max-parallel');
    await drive(
      resumeSweep({
        dir,
        sweep,
        env: io.env,
        signal: interrupt.signal,
        ...(maxParallel === undefined ? {} : { maxParallel }),
        ...(opts.failFast === true ? { failFast: true } : {}),
      }),
      printer,
      io,
      mode,
      setExit,
    );
  } catch (error) {
    setExit(reportError(error, io, errorFormat(mode)));
  } finally {
    interrupt.dispose();
  }
}
