import { randomUUID } from 'node:crypto';
import { JsonNumber, JsonObject, parseJsonTree, type JsonTree } from '../util/json-tree.js';

// Param values exactly as Python will see them. A JavaScript number cannot tell `1.0` from
// `1`, holds no integer past 2**53 exactly, and JSON has no nan or inf; params may be any of
// those, so the few numbers a plain `number` would misstate are ExactNumbers. The rule: a
// plain number is a Python int when it is a whole number and a float otherwise; a float
// with a whole (or non-finite) value and an int beyond 2**53 are ExactNumbers.

/** A number a plain JavaScript number would misstate: kept as its kind and exact text. */
export class ExactNumber {
  private constructor(
    readonly kind: 'int' | 'float',
    /** As Python's json module reads it: `1.0`, `-0.0`, `1e+300`, `NaN`, `-Infinity`, digits. */
    readonly jsonText: string,
  ) {}

  static float(value: number): ExactNumber {
    return new ExactNumber('float', floatJsonText(value));
  }

  static int(value: bigint): ExactNumber {
    return new ExactNumber('int', value.toString());
  }

  /** The value as JavaScript holds it (big ints rounded, as any number would be). */
  get value(): number {
    return this.kind === 'int' ? Number(BigInt(this.jsonText)) : floatValue(this.jsonText);
  }

  /**
   * In plain JSON (run and sweep records): the number, or the text where no JSON number is
   * exact (ints beyond 2**53, nan, inf). exactJson writes the exact text instead.
   */
  toJSON(): number | string {
    const n = this.value;
    return Number.isFinite(n) && (this.kind === 'float' || Number.isSafeInteger(n))
      ? n
      : this.toString();
  }

  /** As Python prints it: `1.0`, `nan`, `-inf`, `12345678901234567890`. */
  toString(): string {
    if (this.jsonText === 'NaN') return 'nan';
    if (this.jsonText === 'Infinity') return 'inf';
    if (this.jsonText === '-Infinity') return '-inf';
    return this.jsonText;
  }
}

export type ParamValue =
  string | number | boolean | null | ExactNumber | ParamValue[] | { [name: string]: ParamValue };
export type Params = Record<string, ParamValue>;

/** A float: a plain number when that is unambiguous (it has a fraction), else exact. */
export function floatParam(value: number): number | ExactNumber {
  return Number.isFinite(value) && !Number.isInteger(value) ? value : ExactNumber.float(value);
}

/** An int of any size: a plain number up to 2**53, else exact. */
export function intParam(value: bigint): number | ExactNumber {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : ExactNumber.int(value);
}

export type ParamKind = 'string' | 'int' | 'float' | 'boolean' | 'null' | 'list' | 'map';

export function paramKind(value: ParamValue): ParamKind {
  if (value === null) return 'null';
  if (value instanceof ExactNumber) return value.kind;
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'object') return 'map';
  return typeof value === 'string' ? 'string' : 'boolean';
}

export function isParamValue(value: unknown, depth = 0): value is ParamValue {
  if (depth > 100) return false;
  if (value === null || value instanceof ExactNumber) return true;
  if (['string', 'boolean'].includes(typeof value)) return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isParamValue(v, depth + 1));
  if (typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((v) => isParamValue(v, depth + 1));
}

/**
 * Config data as read with integers as bigints: the values become exact params (a YAML or
 * TOML float stays a float even when whole). Anything else passes through.
 */
export function exactFromConfig(value: unknown): unknown {
  if (typeof value === 'bigint') return intParam(value);
  if (typeof value === 'number') return floatParam(value);
  if (Array.isArray(value)) return value.map(exactFromConfig);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exactFromConfig(v)]));
  }
  return value;
}

/** Config data read with integers as bigints, as plain numbers (for every non-param key). */
export function plainFromConfig(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plainFromConfig);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainFromConfig(v)]));
  }
  return value;
}

/**
 * JSON as Python's json module reads it back exactly: ExactNumbers as their text (NaN and
 * Infinity are not JSON, but Python reads them), whole plain numbers as integer digits.
 */
export function exactJson(value: unknown, indent?: number): string {
  const raw: string[] = [];
  const tag = randomUUID();
  const text = JSON.stringify(
    value,
    function (this: unknown, key: string, plain: unknown) {
      // The holder's own value: JSON.stringify has already applied ExactNumber's toJSON.
      const v = (this as Record<string, unknown>)[key] ?? plain;
      let token: string | undefined;
      if (v instanceof ExactNumber) token = v.jsonText;
      else if (typeof v === 'number' && !Number.isFinite(v)) token = floatJsonText(v);
      else if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) >= 1e21) {
        token = BigInt(v).toString(); // JSON.stringify would write 1e+21, a float in Python
      }
      if (token === undefined) return plain;
      raw.push(token);
      return `${tag}:${raw.length - 1}`;
    },
    indent,
  );
  // A placeholder is a string naming a fresh random tag, so no value of the user's matches.
  return text.replace(
    new RegExp(`"${tag}:(\\d+)"`, 'g'),
    (_m, i: string) => raw[Number(i)] ?? 'null',
  );
}

/**
 * JSON as Python's json module reads it, into exact values: ints beyond 2**53, whole floats
 * and `NaN` / `Infinity` / `-Infinity` become ExactNumbers (exactJson writes them back).
 * Throws JsonSyntaxError.
 */
export function parseExactJson(text: string): unknown {
  return exactFromTree(parseJsonTree(text));
}

function exactFromTree(tree: JsonTree): unknown {
  if (tree instanceof JsonNumber) {
    return tree.isFloat ? floatParam(Number(tree.text)) : intParam(BigInt(tree.text));
  }
  if (Array.isArray(tree)) return tree.map(exactFromTree);
  if (tree instanceof JsonObject) {
    return Object.fromEntries(tree.entries.map(([k, v]) => [k, exactFromTree(v)]));
  }
  return tree;
}

/** Params as run and sweep records store them: plain JSON (see ExactNumber.toJSON). */
export function plainParams(params: Params): Params {
  return JSON.parse(JSON.stringify(params)) as Params;
}

/** A value for labels and messages, as Python would print it (`1.0`, `None`, `[1, 2]`). */
export function paramText(value: ParamValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value) || (typeof value === 'object' && !(value instanceof ExactNumber))) {
    return exactJson(value);
  }
  return String(value);
}

function floatJsonText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (Object.is(value, -0)) return '-0.0';
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

function floatValue(text: string): number {
  if (text === 'NaN') return NaN;
  if (text === 'Infinity') return Infinity;
  if (text === '-Infinity') return -Infinity;
  return Number(text);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
