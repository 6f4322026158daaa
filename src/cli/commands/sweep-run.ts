// `kaggle-run run` on a job with a sweep (`sweep:` in the spec, or --sweep flags), and
// `kaggle-run attach SWEEP`: run the points through the sweep scheduler and print them.

import { UsageError } from '../../errors.js';
import type { SweepEvent, SweepResult } from '../../sweep/events.js';
import { resumeSweep, runSweep } from '../../sweep/run-sweep.js';
import { reportError } from '../exit.js';
import { interruptOnSigint } from '../interrupt.js';
import type { CliIo } from '../io.js';
import { outputMode } from '../output-mode.js';
import { SweepPrinter } from './sweep-output.js';
import { jobOverridesFromFlags, runOptionsFromFlags, type JobFlags } from '../job-flags.js';

export interface SweepRunFlags extends JobFlags {
  detach?: true | undefined;
  sweep: string[];
  maxParallel?: string | undefined;
  maxHours?: string | undefined;
  failFast?: true | undefined;
  json?: true | undefined;
}

export function parseWhole(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(
      `${flag} must be a whole number of at least 1, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function parseHours(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(
      `--max-hours must be a positive number of hours, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

async function drive(
  events: AsyncGenerator<SweepEvent, SweepResult>,
  printer: SweepPrinter,
  setExit: (code: number) => void,
): Promise<void> {
  for await (const event of events) {
    printer.event(event);
    if (event.type === 'done') {
      printer.finish(event.result);
      setExit(event.result.exitCode);
    }
  }
}

export async function runSweepCommand(
  projectDir: string,
  opts: SweepRunFlags,
  io: CliIo,
  setExit: (code: number) => void,
): Promise<void> {
  const mode = outputMode(opts.json, io.env);
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
    const maxParallel = parseWhole(opts.maxParallel, '--max-parallel');
    const maxHours = parseHours(opts.maxHours);
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
      }),
      printer,
      setExit,
    );
  } catch (error) {
    setExit(reportError(error, io, mode === 'json'));
  } finally {
    interrupt.dispose();
  }
}

export async function attachSweepCommand(
  dir: string,
  sweep: string,
  opts: { json?: true | undefined; maxParallel?: string | undefined; failFast?: true | undefined },
  io: CliIo,
  setExit: (code: number) => void,
): Promise<void> {
  const mode = outputMode(opts.json, io.env);
  const printer = new SweepPrinter(mode, io);
  const interrupt = interruptOnSigint(io);
  try {
    const maxParallel = parseWhole(opts.maxParallel, '--max-parallel');
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
      setExit,
    );
  } catch (error) {
    setExit(reportError(error, io, mode === 'json'));
  } finally {
    interrupt.dispose();
  }
}
