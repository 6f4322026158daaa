// Checks a value against one of the harness contract's schemas (contract.json `schemas`): the
// settings the CLI renders and the manifest it fetches. The harness reads the same schemas
// with its own reader of the same few keywords (harness/kaggle_run_harness/schema.py, which
// lists them), so the shapes are written once, as data, for both sides.

import { ExactNumber } from '../config/param-value.js';
import { harnessContract } from './contract.js';

export interface SchemaNode {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  exclusiveMinimum?: number;
  minItems?: number;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  values?: SchemaNode;
  items?: SchemaNode;
  uniqueKey?: { key: string; ignoreCase?: boolean };
  anyOf?: SchemaNode[];
  byField?: { field: string; cases: Record<string, SchemaNode> };
  ref?: string;
  must?: string;
}

/** Where a value breaks its schema (`code.url`, `batch.items[2].id`) and what it must be. */
export interface SchemaProblem {
  path: string;
  message: string;
}

/** Param values may nest; deeper than this is refused (the harness stops at the same depth). */
const MAX_DEPTH = 100;

const typeWords: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  null: 'null',
  object: 'an object',
  array: 'a list',
};

class Problem extends Error {
  constructor(readonly problem: SchemaProblem) {
    super(problem.message);
  }
}

/** The first place where `value` breaks the contract's schema `name`; undefined when none. */
export function schemaProblem(value: unknown, name: string): SchemaProblem | undefined {
  try {
    checkNode(value, schemaNamed(name), '', 0);
    return undefined;
  } catch (error) {
    if (error instanceof Problem) return error.problem;
    throw error;
  }
}

function schemaNamed(name: string): SchemaNode {
  const schema = harnessContract().schemas[name];
  if (schema === undefined) throw new Error(`the harness contract has no schema ${name}`);
  return schema;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof ExactNumber)
  );
}

// An ExactNumber is a number as Python reads it: a whole float is not an integer there.
function isType(value: unknown, word: string): boolean {
  switch (word) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return value instanceof ExactNumber ? value.kind === 'int' : Number.isInteger(value);
    case 'number':
      return value instanceof ExactNumber || typeof value === 'number';
    default:
      throw new Error(`the harness contract names an unknown type ${word}`);
  }
}

function orList(words: string[]): string {
  return words.length === 1
    ? (words[0] ?? '')
    : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] ?? ''}`;
}

function mustOf(schema: SchemaNode): string {
  if (schema.must !== undefined) return schema.must;
  if (schema.ref !== undefined) return mustOf(schemaNamed(schema.ref));
  if (schema.enum !== undefined) return orList(schema.enum.map((v) => String(v)));
  if (schema.type !== undefined) {
    const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
    return orList(types.map((t) => typeWords[t] ?? t));
  }
  return 'valid';
}

const label = (path: string): string => (path === '' ? 'the value' : path);
const child = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function fail(schema: SchemaNode, path: string, value: unknown): never {
  // A string is quoted in the message: which value it was is half of what to fix.
  const shown = typeof value === 'string' ? ` ${JSON.stringify(value)}` : '';
  throw new Problem({ path, message: `${label(path)}${shown} must be ${mustOf(schema)}` });
}

const compiled = new Map<string, RegExp>();

function patternOf(text: string): RegExp {
  let regex = compiled.get(text);
  if (regex === undefined) {
    regex = new RegExp(text, 'u');
    compiled.set(text, regex);
  }
  return regex;
}

function numberValue(value: unknown): number {
  return value instanceof ExactNumber ? value.value : (value as number);
}

function checkNode(value: unknown, schema: SchemaNode, path: string, depth: number): void {
  if (depth > MAX_DEPTH)
    throw new Problem({ path, message: `${label(path)} is nested too deeply` });
  if (schema.ref !== undefined) return checkNode(value, schemaNamed(schema.ref), path, depth + 1);
  if (schema.type !== undefined) {
    const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
    if (!types.some((t) => isType(value, t))) fail(schema, path, value);
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) fail(schema, path, value);
  if (schema.anyOf !== undefined) {
    const passes = schema.anyOf.some((option) => {
      try {
        checkNode(value, option, path, depth + 1);
        return true;
      } catch (error) {
        if (error instanceof Problem) return false;
        throw error;
      }
    });
    if (!passes) fail(schema, path, value);
  }
  if (typeof value === 'string' && schema.pattern !== undefined) {
    if (!patternOf(schema.pattern).test(value)) fail(schema, path, value);
  }
  if (schema.exclusiveMinimum !== undefined && isType(value, 'number')) {
    if (!(numberValue(value) > schema.exclusiveMinimum)) fail(schema, path, value);
  }
  if (isPlainObject(value)) checkObject(value, schema, path, depth);
  if (Array.isArray(value)) checkList(value as unknown[], schema, path, depth);
}

function checkObject(
  value: Record<string, unknown>,
  schema: SchemaNode,
  path: string,
  depth: number,
): void {
  const properties = schema.properties ?? {};
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(value, key)) {
      const where = child(path, key);
      throw new Problem({
        path: where,
        message: `${where} must be ${mustOf(properties[key] ?? {})}`,
      });
    }
  }
  for (const [key, sub] of Object.entries(properties)) {
    if (Object.hasOwn(value, key)) checkNode(value[key], sub, child(path, key), depth + 1);
  }
  if (schema.values !== undefined) {
    for (const [key, item] of Object.entries(value)) {
      checkNode(item, schema.values, child(path, key), depth + 1);
    }
  }
  if (schema.byField !== undefined) {
    const selector = value[schema.byField.field];
    const chosen = typeof selector === 'string' ? schema.byField.cases[selector] : undefined;
    if (chosen !== undefined) checkNode(value, chosen, path, depth + 1);
  }
}

function checkList(value: unknown[], schema: SchemaNode, path: string, depth: number): void {
  if (value.length < (schema.minItems ?? 0)) fail(schema, path, value);
  const items = schema.items;
  if (items !== undefined) {
    value.forEach((item, i) => checkNode(item, items, `${path}[${i}]`, depth + 1));
  }
  const unique = schema.uniqueKey;
  if (unique === undefined) return;
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const key = isPlainObject(item) ? item[unique.key] : undefined;
    if (typeof key !== 'string') return;
    const folded = unique.ignoreCase === true ? key.toLowerCase() : key;
    if (seen.has(folded)) {
      const where = `${path}[${i}].${unique.key}`;
      throw new Problem({
        path: where,
        message: `${where} ${JSON.stringify(key)} appears twice${unique.ignoreCase === true ? ' (ignoring case)' : ''}`,
      });
    }
    seen.add(folded);
  });
}
