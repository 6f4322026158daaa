// Enum fields in request bodies, read as leniently as the SDK reads them in responses: the
// proto name (`DATASET_SORT_BY_VOTES`), the short name (`VOTES`), any case, or lowerCamel
// (`votes`, `dateRun`). Anything else is a 400 that lists the values.

import { HttpError } from './http-util.js';

export interface EnumField<T extends string> {
  field: string;
  /** Prefix of the proto names, stripped before matching (`DATASET_SORT_BY_`). */
  prefix: string;
  values: readonly T[];
  fallback: T;
  /** Whether the proto names carry the prefix (`DATASET_SORT_BY_VOTES`, not `DATE_RUN`). */
  prefixed: boolean;
}

export function enumValue<T extends string>(raw: string | null | undefined, spec: EnumField<T>): T {
  if (raw === undefined || raw === null || raw === '') return spec.fallback;
  const upper = raw.replace(/([a-z])([A-Z0-9])/g, '$1_$2').toUpperCase();
  const name = upper.startsWith(spec.prefix) ? upper.slice(spec.prefix.length) : upper;
  const found = spec.values.find((v) => v === name);
  if (found === undefined) {
    const shown = spec.values.map((v) => (spec.prefixed ? spec.prefix + v : v));
    throw new HttpError(400, `Invalid ${spec.field} "${raw}": use one of ${shown.join(', ')}.`);
  }
  return found;
}
