// Values that come from flags and environment variables: checked here, one at a time, with
// errors that name the flag or variable they came from.

import type { Accelerator } from '../accelerator.js';
import { acceleratorNames, parseAccelerator } from '../accelerator.js';
import type { z } from 'zod';
import { UsageError } from '../errors.js';
import { endpointSchema } from './schema.js';
import type { ParamValue, Params, PlatformName } from '../job.js';
import { coerceParam, parseParamFlag } from './params.js';
import { slugify } from '../util/slug.js';
import { suggestion } from './suggest.js';
import type { ShippingOverrides } from './resolve-shipping.js';

/** What the CLI (or a host program) passes on top of the config files. */
export interface JobOverrides extends ShippingOverrides {
  entry?: string;
  /** Raw `-p KEY=VALUE` strings, in the order given; a later one wins. */
  params?: string[];
  profile?: string;
  accelerator?: string;
  platform?: PlatformName;
  endpoint?: string;
  timeout?: string;
  outputs?: string[];
  python?: string;
  name?: string;
}

export function checkAccelerator(value: string, from: string): Accelerator {
  const accelerator = parseAccelerator(value);
  if (accelerator !== undefined) return accelerator;
  throw new UsageError(`${from}: unknown accelerator ${JSON.stringify(value)}`, {
    hint: `valid names: ${acceleratorNames().join(', ')} (aliases: cpu, gpu)`,
  });
}

export function checkPlatform(value: string, from: string): PlatformName {
  const platform = value.trim().toLowerCase();
  if (platform === 'local' || platform === 'kaggle') return platform;
  throw new UsageError(`${from}: unknown platform ${JSON.stringify(value)}`, {
    hint: 'use `local` (this machine) or `kaggle`',
  });
}

/**
 * A flag's or variable's value checked by the schema the same key has in a file, its
 * problem named after `from` (the flag or the variable).
 */
function checkWith<T>(schema: z.ZodType<T>, value: unknown, from: string, hint: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problem = result.error.issues[0]?.message ?? `invalid value ${JSON.stringify(value)}`;
  throw new UsageError(`${from}: ${problem}`, { hint });
}

export function checkEndpoint(value: string, from: string): string {
  return checkWith(
    endpointSchema,
    value.trim(),
    from,
    'e.g. http://127.0.0.1:8080 for a `kaggle-run server`',
  );
}

export function checkName(value: string, from: string): string {
  if (slugify(value) !== '') return value;
  throw new UsageError(`${from}: job name ${JSON.stringify(value)} has no letters or digits`, {
    hint: 'the name becomes the Kaggle kernel slug; use e.g. --name my-model',
  });
}

export function checkGlobs(values: string[], from: string): string[] {
  for (const value of values) {
    if (value.trim() === '') {
      throw new UsageError(`${from}: empty glob`, { hint: 'e.g. --outputs "*.pt"' });
    }
  }
  return values;
}

export interface ParamSources {
  defaults: Params;
  profiles: Record<string, Params>;
  /** The config file, for messages. */
  file: string | undefined;
  /** What a notebook's `parameters` cell assigns: declared too, its defaults typing -p. */
  notebook?: { name: string; value?: ParamValue }[] | undefined;
}

/** defaults < profile < -p flags; the warnings flag -p names declared nowhere (typos). */
export function mergeParams(
  sources: ParamSources,
  profile: string | undefined,
  flags: readonly string[],
  warnings: string[],
): Params {
  const params: Params = { ...sources.defaults };
  const profileNames = Object.keys(sources.profiles);
  if (profile !== undefined) {
    const values = sources.profiles[profile];
    if (values === undefined || !Object.hasOwn(sources.profiles, profile)) {
      const where = sources.file ?? 'the job (no config file was found)';
      throw new UsageError(
        `unknown profile ${JSON.stringify(profile)}${profileNames.length > 0 ? suggestion(profile, profileNames, 'profiles') : ''}`,
        {
          hint:
            profileNames.length > 0
              ? `profiles defined in ${where}: ${profileNames.join(', ')}`
              : `${where} defines no profiles; add them under \`profiles:\``,
        },
      );
    }
    Object.assign(params, values);
  }
  const fromNotebook = new Map((sources.notebook ?? []).map((p) => [p.name, p.value]));
  const known = new Set([
    ...Object.keys(sources.defaults),
    ...profileNames.flatMap((name) => Object.keys(sources.profiles[name] ?? {})),
    ...fromNotebook.keys(),
  ]);
  for (const raw of flags) {
    const { key, value } = parseParamFlag(raw);
    if (!known.has(key)) {
      const hint = suggestion(key, [...known], 'declared params');
      warnings.push(
        `-p ${key}: \`${key}\` is not declared in \`params\`${sources.file ? ` of ${sources.file}` : ''}; passing it anyway${hint}`,
      );
    }
    const declared = Object.hasOwn(params, key) ? params[key] : fromNotebook.get(key);
    params[key] = coerceParam(value, declared, key);
  }
  return params;
}
