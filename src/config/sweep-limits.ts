// The limits a sweep or batch runs under, typed as flags (`--max-parallel`, `--max-hours`)
// or passed by a library caller: one schema each, so the CLI and the planner check a value
// the same way and say the same thing about it.

import * as z from 'zod';
import { describeValue } from './describe-value.js';

/** Sessions a sweep keeps running at once. */
export const maxParallelSchema = z
  .number({ error: (issue) => `must be a whole number, got ${describeValue(issue.input)}` })
  .int({ error: (issue) => `must be a whole number, got ${describeValue(issue.input)}` })
  .min(1, { error: (issue) => `must be at least 1, got ${describeValue(issue.input)}` });

/** The sweep's budget in hours of session time, worst case (zod's numbers are finite). */
export const maxHoursSchema = z
  .number({ error: (issue) => `must be a number of hours, got ${describeValue(issue.input)}` })
  .positive({ error: (issue) => `must be more than 0, got ${describeValue(issue.input)}` });
