// `batch:` in the job spec: a file of inputs (JSON lines or CSV) run K items per session, so
// that many short inputs do not each pay a cold start. The file is read when a batch is
// planned (src/batch/read-items.ts); here only its shape is checked and its path resolved.

import { resolve } from 'node:path';
import * as z from 'zod';
import { describeValue } from './describe-value.js';

/** Items per session when the spec does not say. */
export const DEFAULT_PER_SESSION = 25;
/** More than this in one session is almost certainly a typo. */
export const MAX_PER_SESSION = 100_000;

/**
 * `per-item`: the harness runs the entry once per item, each in a fresh process. `loop`: it
 * runs the entry once per session with the session's items in a file the program iterates,
 * so a model is loaded once per session instead of once per item.
 */
export const BATCH_MODES = ['per-item', 'loop'] as const;
export type BatchMode = (typeof BATCH_MODES)[number];

const expect = (what: string) => (issue: { input?: unknown }) =>
  `must be ${what}, got ${describeValue(issue.input)}`;

export const perSessionSchema = z
  .number({ error: expect('a whole number of items per session') })
  .int({ error: (issue) => `must be a whole number, got ${describeValue(issue.input)}` })
  .min(1, { error: (issue) => `must be at least 1, got ${describeValue(issue.input)}` })
  .max(MAX_PER_SESSION, {
    error: (issue) => `must be at most ${MAX_PER_SESSION}, got ${describeValue(issue.input)}`,
  });

export const batchModeSchema = z.enum(BATCH_MODES, { error: expect('per-item or loop') });

/** `.jsonl` / `.ndjson`: one JSON object a line; `.csv`: a header row, then one item a row. */
export const batchFilePattern = /\.(jsonl|ndjson|csv)$/i;

export const batchSchema = z.strictObject(
  {
    file: z
      .string({ error: expect('a path to a .jsonl, .ndjson or .csv file') })
      .refine((s) => batchFilePattern.test(s.trim()), {
        error: (issue) =>
          `${JSON.stringify(issue.input)} is not a .jsonl, .ndjson or .csv file (the extension says how to read it)`,
      }),
    per_session: perSessionSchema.optional(),
    id: z
      .string({ error: expect('the name of the field that names each item') })
      .refine((s) => s.trim() !== '', { error: 'must not be empty' })
      .optional(),
    mode: batchModeSchema.optional(),
  },
  { error: expect('a mapping such as {file: inputs.jsonl, per_session: 25}') },
);
export type BatchSpecFile = z.output<typeof batchSchema>;

/** The resolved `batch:` of a job. */
export interface BatchSpec {
  /** Absolute path of the inputs file. */
  file: string;
  perSession: number;
  /** The field that names each item; undefined: items are named by position (0001, ...). */
  idField: string | undefined;
  mode: BatchMode;
}

export function resolveBatch(root: string, spec: BatchSpecFile | undefined): BatchSpec | undefined {
  if (spec === undefined) return undefined;
  return {
    file: resolve(root, spec.file.trim()),
    perSession: spec.per_session ?? DEFAULT_PER_SESSION,
    idField: spec.id?.trim(),
    mode: spec.mode ?? 'per-item',
  };
}
