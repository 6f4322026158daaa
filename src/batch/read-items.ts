// Reads a batch's inputs file into items: JSON lines (one object a line, numbers read
// exactly as Python's json module reads them: big ints, `1.0`, NaN, Infinity) or CSV (a header
// row, then one item a row; cells are coerced like -p values, the declared param's type
// winning). Each item is named by its `id` field, or by its position (0001, 0002, ...).
// Every problem is reported at once, as file:line, before any session is spent.

import { readFile } from 'node:fs/promises';
import { coerceParam } from '../config/params.js';
import { ConfigError, UsageError, errorMessage } from '../errors.js';
import type { ConfigProblem } from '../errors.js';
import type { BatchItem } from '../harness/settings.js';
import { harnessContract } from '../harness/contract.js';
import { isPythonIdentifier } from '../harness/settings.js';
import type { ParamValue, Params } from '../job.js';
import { CsvSyntaxError, parseCsv } from './csv.js';
import { ExactNumber, parseExactJson } from '../config/param-value.js';

/** More items than this in one batch is almost certainly the wrong file. */
export const MAX_ITEMS = 100_000;
/** Problems listed before the rest are summed up in one line. */
const MAX_PROBLEMS = 20;

export interface ReadItemsOptions {
  /** The field that names each item; undefined: the position, zero-padded. */
  idField?: string | undefined;
  /** The job's params: a CSV cell takes its declared param's type. */
  declared?: Params;
  /** Notebooks get params as Python variables, so field names must be identifiers. */
  notebook?: boolean;
}

interface RawItem {
  line: number;
  fields: Record<string, ParamValue>;
}

/** Ids become folder names under items/: letters, digits, `.`, `_`, `-`, not starting with `.`. */
export function isSafeItemId(id: string): boolean {
  return harnessContract().itemId.test(id);
}

export async function readBatchItems(
  file: string,
  options: ReadItemsOptions = {},
): Promise<BatchItem[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the batch file ${file}: ${errorMessage(error)}`, {
      hint: 'check `batch.file` in kaggle-run.yaml or --batch (relative to the project root)',
    });
  }
  return parseBatchItems(text, file, options);
}

/** Parses the text of `file` (its extension says the format) into named items. */
export function parseBatchItems(
  text: string,
  file: string,
  options: ReadItemsOptions = {},
): BatchItem[] {
  const problems: ConfigProblem[] = [];
  const report = (line: number | undefined, message: string) =>
    problems.push({ file, line, path: '', message });
  const raw = /\.csv$/i.test(file)
    ? csvItems(text, options.declared ?? {}, report)
    : jsonItems(text, report);
  if (raw.length === 0 && problems.length === 0) report(undefined, 'the file holds no items');
  if (raw.length > MAX_ITEMS) {
    report(undefined, `${raw.length} items, more than ${MAX_ITEMS}; split the file`);
  }
  if (options.notebook === true) checkNames(raw, report);
  const items = nameItems(raw, options.idField, report);
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS);
    if (problems.length > shown.length) {
      shown.push({ file, path: '', message: `and ${problems.length - shown.length} more` });
    }
    throw new ConfigError(shown, { hint: `fix these lines of ${file}` });
  }
  return items;
}

type Report = (line: number | undefined, message: string) => void;

function jsonItems(text: string, report: Report): RawItem[] {
  const items: RawItem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((source, i) => {
    const line = i + 1;
    if (source.trim() === '') return;
    let value: unknown;
    try {
      value = parseExactJson(source);
    } catch (error) {
      report(line, `not valid JSON: ${errorMessage(error)}`);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      report(line, `must be a JSON object such as {"text": "..."}, got ${describe(value)}`);
      return;
    }
    const fields: Record<string, ParamValue> = {};
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      if (
        field === null ||
        field instanceof ExactNumber ||
        ['string', 'number', 'boolean'].includes(typeof field)
      ) {
        fields[key] = field as ParamValue;
      } else {
        report(
          line,
          `field ${JSON.stringify(key)} is ${describe(field)}; item fields must be strings, numbers, true/false or null (encode nested data as a JSON string)`,
        );
      }
    }
    items.push({ line, fields });
  });
  return items;
}

function csvItems(text: string, declared: Params, report: Report): RawItem[] {
  let rows;
  try {
    rows = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvSyntaxError) {
      report(error.line, `CSV syntax: ${error.message}`);
      return [];
    }
    throw error;
  }
  const [header, ...body] = rows;
  if (header === undefined) return [];
  const names = header.cells.map((c) => c.trim());
  names.forEach((name, i) => {
    if (name === '') report(header.line, `header column ${i + 1} has no name`);
    else if (names.indexOf(name) !== i)
      report(header.line, `header column ${JSON.stringify(name)} appears twice`);
  });
  const items: RawItem[] = [];
  for (const row of body) {
    if (row.cells.length !== names.length) {
      report(
        row.line,
        `${row.cells.length} cell${row.cells.length === 1 ? '' : 's'}, but the header names ${names.length} column${names.length === 1 ? '' : 's'}`,
      );
      continue;
    }
    const fields: Record<string, ParamValue> = {};
    names.forEach((name, i) => {
      const cell = row.cells[i] ?? '';
      try {
        fields[name] = coerceParam(
          cell,
          Object.hasOwn(declared, name) ? declared[name] : undefined,
          name,
        );
      } catch (error) {
        report(row.line, errorMessage(error));
      }
    });
    items.push({ line: row.line, fields });
  }
  return items;
}

function checkNames(raw: RawItem[], report: Report): void {
  const seen = new Set<string>();
  for (const item of raw) {
    for (const name of Object.keys(item.fields)) {
      if (seen.has(name)) continue;
      seen.add(name);
      if (!isPythonIdentifier(name)) {
        report(
          item.line,
          `field ${JSON.stringify(name)} cannot be a Python variable in the notebook; rename it (letters, digits and _, not starting with a digit)`,
        );
      }
    }
  }
}

function nameItems(raw: RawItem[], idField: string | undefined, report: Report): BatchItem[] {
  const width = Math.max(4, String(raw.length).length);
  const lineOf = new Map<string, number>();
  const items: BatchItem[] = [];
  raw.forEach((item, i) => {
    let id: string;
    if (idField === undefined) {
      id = String(i + 1).padStart(width, '0');
    } else {
      const value = item.fields[idField];
      if (value === undefined || value === null || value === '') {
        report(
          item.line,
          `no ${JSON.stringify(idField)} field (batch.id names the field that names each item)`,
        );
        return;
      }
      if (
        typeof value !== 'string' &&
        typeof value !== 'number' &&
        !(value instanceof ExactNumber)
      ) {
        report(
          item.line,
          `the id field ${JSON.stringify(idField)} is ${JSON.stringify(value)}; ids are strings or numbers`,
        );
        return;
      }
      id = String(value);
      if (!isSafeItemId(id)) {
        report(
          item.line,
          `id ${JSON.stringify(id)} cannot be a folder name; use letters, digits, '.', '_' and '-' (at most 100, not starting with '.')`,
        );
        return;
      }
    }
    // Case-insensitively: items/<id>/ folders must not collide on macOS or Windows either.
    const key = id.toLowerCase();
    const first = lineOf.get(key);
    if (first !== undefined) {
      report(item.line, `duplicate id ${JSON.stringify(id)} (first on line ${first})`);
      return;
    }
    lineOf.set(key, item.line);
    items.push({ id, params: item.fields });
  });
  return items;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
