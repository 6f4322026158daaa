// Values that come from flags and environment variables: checked here, one at a time, with
// errors that name the flag or variable they came from.

import type { Accelerator } from '../accelerator.js';
import type { z } from 'zod';
import { UsageError } from '../errors.js';
import {
  acceleratorSchema,
  endpointSchema,
  globSchema,
  nameSchema,
  platformSchema,
  timeoutSchema,
} from './schema.js';
import type { ParamValue, Params, PlatformName } from '../job.js';
import { coerceParam, parseParamFlag } from './params.js';
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

/**
 * A flag's or variable's value checked by the schema the same key has in a file, its
 * problem named after `from` (the flag or the variable).
 */
export function checkWith<T>(schema: z.ZodType<T>, value: unknown, from: string, hint?: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problem = result.error.issues[0]?.message ?? `invalid value ${JSON.stringify(value)}`;
  throw new UsageError(`${from}: ${problem}`, hint === undefined ? {} : { hint });
}

/** A number typed on the command line as the number a file would hold; other text as is. */
export function flagNumber(value: string): number | string {
  const text = value.trim();
  return text !== '' && Number.isFinite(Number(text)) ? Number(text) : value;
}

export function checkAccelerator(value: string, from: string): Accelerator {
  return checkWith(acceleratorSchema, value, from, 'e.g. t4x2 for a GPU, none for CPU only');
}

export function checkPlatform(value: string, from: string): PlatformName {
  return checkWith(platformSchema, value, from, 'use `local` (this machine) or `kaggle`');
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
  return checkWith(nameSchema, value, from, 'use e.g. --name my-model');
}

export function checkGlobs(values: string[], from: string): string[] {
  return values.map((value) => checkWith(globSchema, value, from, `e.g. ${from} "*.pt"`));
}

/** A duration flag (--timeout, --queue-timeout) read as `timeout` is in a file. */
export function checkDuration(value: string, from: string): number {
  return checkWith(timeoutSchema, value, from);
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
