// The job spec as written in kaggle-run.yaml / [tool.kaggle-run], and the user config, as zod
// schemas. Messages are ours (not zod's) and say what was found, so a problem reads well with
// its file, line and dot path in front. Checks that need the file system (entry, requirements
// file) or several fields at once (args templates, profile types) live in validate.ts.

import * as z from 'zod';
import { acceleratorNames, parseAccelerator } from '../accelerator.js';
import { UsageError } from '../errors.js';
import { parseDuration } from './duration.js';
import { slugify } from '../util/slug.js';

export { describeValue } from './describe-value.js';
import { describeValue } from './describe-value.js';
import { shippingShape } from './shipping-schema.js';
import { batchSchema } from './batch-schema.js';
import { isParamValue, type ParamValue } from './param-value.js';
import { INPUT_LAYOUTS } from '../platform/input-layout.js';
import { normalizeBase } from '../kaggle/endpoint.js';

const expect = (what: string) => (issue: { input?: unknown }) =>
  `must be ${what}, got ${describeValue(issue.input)}`;

const text = (what = 'a string') =>
  z.string({ error: expect(what) }).refine((s) => s.trim() !== '', { error: 'must not be empty' });
const stringList = (what: string) =>
  z.array(text(`a string (one ${what})`), { error: expect(`a list of ${what}s`) });
/** One glob of `include`, `exclude` or `outputs` (and of --output). */
export const globSchema = text('a string (one glob)');
const flag = z.boolean({ error: expect('true or false') });

/**
 * A string or a list, picked by what was written, so a bad list item is reported at its own
 * index instead of as "not a string or a list".
 */
function stringOrList<S extends z.ZodType<string>, L extends z.ZodType<string[]>>(
  single: S,
  list: L,
  what: string,
) {
  return z.unknown().transform((value, ctx): string | string[] => {
    const schema = typeof value === 'string' ? single : Array.isArray(value) ? list : undefined;
    if (schema === undefined) {
      ctx.issues.push({ code: 'custom', input: value, message: expect(what)({ input: value }) });
      return z.NEVER;
    }
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      ctx.issues.push({ code: 'custom', input: value, message: issue.message, path: issue.path });
    }
    return z.NEVER;
  });
}

export const paramValueSchema = z.custom<ParamValue>((value) => isParamValue(value), {
  error: expect('a string, number, true/false, null, a list or a mapping'),
});
// Param names are checked in validate.ts so that a bad name gets its own line and path.
export const paramMapSchema = z.record(z.string(), paramValueSchema, {
  error: expect('a mapping of param names to values'),
});

// A sweep: a grid (each param -> a non-empty list of values; the cartesian product runs)
// or an explicit list of param sets. Names are checked in validate.ts, like params.
const sweepValuesSchema = z
  .array(paramValueSchema, { error: expect('a list of values') })
  .refine((values) => values.length > 0, { error: 'must list at least one value' });
export const sweepSchema = z.unknown().transform((value, ctx): SweepSpec => {
  const schema = Array.isArray(value)
    ? z
        .array(paramMapSchema, { error: expect('a list of param mappings') })
        .refine((points) => points.length > 0, { error: 'must list at least one point' })
    : z.record(z.string(), sweepValuesSchema, {
        error: expect('a grid (a mapping of param names to lists) or a list of param mappings'),
      });
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    ctx.issues.push({ code: 'custom', input: value, message: issue.message, path: issue.path });
  }
  return z.NEVER;
});
/** `{lr: [0.1, 0.01]}` (a grid) or `[{lr: 0.1}, {lr: 0.01, seed: 2}]` (a list of points). */
export type SweepSpec = Record<string, ParamValue[]> | Record<string, ParamValue>[];

// Spelled in any case, as accelerator names are (`Kaggle`, ` local`).
export const platformSchema = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
  z.enum(['local', 'kaggle'], { error: expect('`local` or `kaggle`') }),
);

export const acceleratorSchema = z
  .string({ error: expect(`an accelerator name (${acceleratorNames().join(', ')})`) })
  .transform((value, ctx) => {
    const accelerator = parseAccelerator(value);
    if (accelerator !== undefined) return accelerator;
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: `unknown accelerator ${JSON.stringify(value)}; valid names: ${acceleratorNames().join(', ')} (aliases: cpu, gpu)`,
    });
    return z.NEVER;
  });

export const timeoutSchema = z
  .union([z.number(), z.string()], {
    error: expect('seconds or a duration such as 30m, 2h or 1h30m'),
  })
  .transform((value, ctx) => {
    try {
      return parseDuration(value);
    } catch (error) {
      const message = error instanceof UsageError ? error.message : String(error);
      const hint = error instanceof UsageError && error.hint ? `; ${error.hint}` : '';
      ctx.issues.push({ code: 'custom', input: value, message: `${message}${hint}` });
      return z.NEVER;
    }
  });

// "owner/slug" or "owner/slug/N", as Kaggle spells dataset references.
const datasetPattern = /^[A-Za-z0-9][A-Za-z0-9_-]*\/[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[1-9]\d*)?$/;
const datasetSchema = z
  .string({ error: expect('a dataset reference ("owner/slug" or "owner/slug/N")') })
  .refine((s) => datasetPattern.test(s), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a dataset reference; write "owner/slug" or "owner/slug/VERSION"`,
  });

export const nameSchema = z.string({ error: expect('a string') }).refine((s) => slugify(s) !== '', {
  error: 'must contain at least one letter or digit (it becomes the Kaggle kernel slug)',
});

export const specShape = {
  name: nameSchema.optional(),
  entry: text('a path to a .py or .ipynb file').optional(),
  args: z
    .array(z.string({ error: expect('a string') }), { error: expect('a list of strings') })
    .optional(),
  params: paramMapSchema.optional(),
  profiles: z
    .record(z.string(), paramMapSchema, {
      error: expect('a mapping of profile names to param mappings'),
    })
    .optional(),
  accelerator: acceleratorSchema.optional(),
  requirements: stringOrList(
    text(),
    stringList('requirement'),
    'a requirements file path or a list of pip requirements',
  ).optional(),
  include: stringList('glob').optional(),
  exclude: stringList('glob').optional(),
  outputs: stringList('glob').optional(),
  timeout: timeoutSchema.optional(),
  datasets: z.array(datasetSchema, { error: expect('a list of dataset references') }).optional(),
  internet: flag.optional(),
  /** Local platform: where `data:` appears under /kaggle/input (input-layout.ts). */
  input_layout: z.enum(INPUT_LAYOUTS, { error: expect('one of current, legacy, both') }).optional(),
  private: flag.optional(),
  platform: platformSchema.optional(),
  python: text().optional(),
  sweep: sweepSchema.optional(),
  batch: batchSchema.optional(),
  /** A JSON object of numbers the job writes, relative to its output folder (sweep show). */
  metrics: text('a path to a JSON file among the outputs').optional(),
  ...shippingShape,
};

export const specSchema = z.strictObject(specShape, { error: expect('a mapping of keys') });
export type SpecFile = z.output<typeof specSchema>;
export const specKeys = Object.keys(specShape);

// The client's own reading of a base URL (normalizeBase), so a value this accepts is one the
// client can talk to.
export const endpointSchema = z.string({ error: expect('a URL') }).refine((s) => isBaseUrl(s), {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not an http:// or https:// base URL (without query, fragment or user info)`,
});

function isBaseUrl(text: string): boolean {
  try {
    normalizeBase(text);
    return true;
  } catch {
    return false;
  }
}

export const userConfigShape = {
  platform: platformSchema.optional(),
  accelerator: acceleratorSchema.optional(),
  endpoint: endpointSchema.optional(),
  python: text().optional(),
  private: flag.optional(),
  internet: flag.optional(),
};

export const userConfigSchema = z.strictObject(userConfigShape, {
  error: expect('a mapping of keys'),
});
export type UserConfig = z.output<typeof userConfigSchema>;
export const userConfigKeys = Object.keys(userConfigShape);
