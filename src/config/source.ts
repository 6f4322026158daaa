// A config file once read: its plain data plus a way back from a dot path to a line, so
// every problem can point at the line to fix.

import { exactFromConfig, plainFromConfig } from './param-value.js';

export type ConfigPath = readonly (string | number)[];

export interface ConfigSource {
  /** Absolute path of the file. */
  file: string;
  kind: 'yaml' | 'pyproject';
  /** Plain JS data (objects, arrays, scalars) of the job section. */
  data: unknown;
  /** 1-based line of the key (or list item) at `path`, else of its closest ancestor. */
  lineOf(path: ConfigPath): number | undefined;
}

export function dotPath(path: ConfigPath): string {
  return path.map(String).join('.');
}

/** Plain objects only: TOML tables come with a null prototype, YAML maps are already plain. */
export function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto === null || proto === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
    }
  }
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// The keys whose values are params: their numbers stay exact (a float stays a float).
const paramKeys = new Set(['params', 'profiles', 'sweep']);

/** Job data read with integers as bigints: exact numbers in params, plain ones elsewhere. */
export function settleNumbers(data: unknown): unknown {
  if (!isRecord(data)) return plainFromConfig(data);
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [
      key,
      paramKeys.has(key) ? exactFromConfig(value) : plainFromConfig(value),
    ]),
  );
}
