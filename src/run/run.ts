// The one-call form beside runJob: `await run({ dir, platform: 'kaggle', params: { lr: 0.01 } })`
// resolves with the finished run record (whatever its status) and throws the typed errors
// runJob throws. Params are values, not `key=value` strings: no parsing, no coercion.

import { isParamValue } from '../config/param-value.js';
import { UsageError } from '../errors.js';
import type { Params } from '../job.js';
import type { RunEvent } from './events.js';
import type { RunRecord } from './record.js';
import { resolve } from 'node:path';
import { resolveJob } from '../config/resolve.js';
import { runResolved, type RunOptions } from './run-job.js';

export interface RunCallOptions extends Omit<RunOptions, 'params'> {
  /** Parameter values as the program gets them, over the job's `params` and the profile. */
  params?: Params;
  /** `-p KEY=VALUE` strings, coerced as on the command line (applied before `params`). */
  paramFlags?: string[];
  /** Called with every event (log lines, status changes, outputs) as the run goes. */
  onEvent?: (event: RunEvent) => void;
}

function checkParams(params: Params): Params {
  for (const [key, value] of Object.entries(params)) {
    if (!isParamValue(value)) {
      throw new UsageError(
        `param ${key}: ${typeof value === 'number' ? String(value) : typeof value} is not a param value`,
        {
          hint: 'params are strings, finite numbers (ExactNumber for nan, inf, 1.0 or big ints), booleans, null, and lists or maps of them',
        },
      );
    }
  }
  return params;
}

export async function run(options: RunCallOptions = {}): Promise<RunRecord> {
  const { params, paramFlags, onEvent, ...rest } = options;
  const values = params === undefined ? undefined : checkParams(params);
  const runOptions: RunOptions = {
    ...rest,
    ...(paramFlags === undefined ? {} : { params: paramFlags }),
  };
  const env = runOptions.env ?? process.env;
  const { job, warnings } = await resolveJob(resolve(runOptions.dir ?? '.'), runOptions, env);
  const events = runResolved(job, warnings, runOptions, { params: values });
  for (;;) {
    const next = await events.next();
    if (next.done === true) return next.value;
    onEvent?.(next.value);
  }
}
