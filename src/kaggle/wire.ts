// The JSON shapes on the wire. Requests: camelCase keys in proto order, default values of
// non-optional fields omitted, optional fields sent whenever set (so `false` and `""` do go
// out; protocol.md 1.2). Responses: unknown fields ignored, missing fields take defaults,
// wrong types are a clean KaggleApiError instead of a crash further down.

import { KaggleApiError } from './errors.js';

export type JsonObject = Record<string, unknown>;

function isDefaultValue(value: unknown): boolean {
  return (
    value === '' || value === 0 || value === false || (Array.isArray(value) && value.length === 0)
  );
}

/**
 * Builds a request body. Keys listed in `optional` are proto `optional` fields: omitted only
 * when undefined. Every other key is omitted when undefined or at its default; repeated
 * fields are omitted when empty. Key order is kept (the captures show proto order).
 */
export function wireBody(fields: JsonObject, optional: readonly string[] = []): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (!optional.includes(key) && isDefaultValue(value)) continue;
    out[key] = value;
  }
  return out;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Typed, lenient access to one response object. */
export class WireReader {
  constructor(
    readonly object: JsonObject,
    private readonly operation: string,
  ) {}

  private bad(key: string, expected: string): KaggleApiError {
    return KaggleApiError.invalidResponse(
      this.operation,
      `field ${key} should be ${expected}, got ${JSON.stringify(this.object[key])?.slice(0, 80)}`,
    );
  }

  optStr(key: string): string | undefined {
    const v = this.object[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw this.bad(key, 'a string');
    return v;
  }

  str(key: string): string {
    return this.optStr(key) ?? '';
  }

  /** Integers; proto3 JSON writes int64 as strings, so numeric strings are accepted. */
  optInt(key: string): number | undefined {
    const v = this.object[key];
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw this.bad(key, 'an integer');
    return n;
  }

  int(key: string): number {
    return this.optInt(key) ?? 0;
  }

  optNumber(key: string): number | undefined {
    const v = this.object[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.bad(key, 'a number');
    return v;
  }

  optBool(key: string): boolean | undefined {
    const v = this.object[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw this.bad(key, 'a boolean');
    return v;
  }

  bool(key: string): boolean {
    return this.optBool(key) ?? false;
  }

  strArray(key: string): string[] {
    const v = this.object[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      throw this.bad(key, 'a list of strings');
    }
    return v;
  }

  objects(key: string): WireReader[] {
    const v = this.object[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every(isJsonObject)) throw this.bad(key, 'a list of objects');
    return v.map((o) => new WireReader(o, this.operation));
  }

  optObject(key: string): WireReader | undefined {
    const v = this.object[key];
    if (v === undefined || v === null) return undefined;
    if (!isJsonObject(v)) throw this.bad(key, 'an object');
    return new WireReader(v, this.operation);
  }

  /** The raw value, for fields parsed elsewhere (enums, durations). */
  raw(key: string): unknown {
    return this.object[key];
  }
}
