// Reads a notebook entry before anything is packed or pushed: the same checks the harness
// makes (so a bad file costs no Kaggle session and writes no run), and the names and
// defaults its `parameters` cell assigns (they count as declared params).

import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { UsageError, errorMessage } from '../errors.js';
import { contractMessage, harnessContract } from '../harness/contract.js';
import { exactFromConfig, isParamValue, type ParamValue } from './param-value.js';

export interface NotebookCell {
  cell_type?: unknown;
  metadata?: { tags?: unknown };
  source?: unknown;
}

export interface NotebookFacts {
  cells: NotebookCell[];
  /** The kernel language the notebook names (lower case), undefined when it names none. */
  language: string | undefined;
  /** Whether a code cell is tagged `parameters`. */
  hasParametersCell: boolean;
  /** What the `parameters` cell assigns, in order; `value` when it is a plain literal. */
  parameters: { name: string; value?: ParamValue }[];
}

/** The text of a cell's source, stored as one string or as a list of lines. */
export function sourceText(source: unknown): string {
  if (typeof source === 'string') return source;
  return Array.isArray(source) ? source.map(String).join('') : '';
}

function tagsOf(cell: NotebookCell): unknown[] {
  const tags = cell.metadata?.tags;
  return Array.isArray(tags) ? (tags as unknown[]) : [];
}

/**
 * Parses a notebook file's text; a UsageError (exit 2) says what is wrong: not JSON, not
 * nbformat 4, no cells, two `parameters` cells, or a kernel that is not Python.
 */
export function parseNotebook(text: string, label: string): NotebookFacts {
  // The harness checks the same, in the same words (the contract's), when the notebook runs.
  const fail = (check: string, values: Record<string, string | number> = {}): never => {
    const { message, hint } = contractMessage('notebook', check, { label, ...values });
    throw new UsageError(message, { hint });
  };
  const { nbformat, language: python, parametersTag } = harnessContract().notebook;
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (error) {
    fail('notJson', { detail: errorMessage(error) });
  }
  if (nb === null || typeof nb !== 'object' || Array.isArray(nb) || !('nbformat' in nb)) {
    fail('notNotebook');
  }
  const doc = nb as { nbformat?: unknown; cells?: unknown; metadata?: unknown };
  if (doc.nbformat !== nbformat) fail('nbformat', { nbformat: pythonText(doc.nbformat) });
  if (
    !Array.isArray(doc.cells) ||
    doc.cells.some((c) => c === null || typeof c !== 'object' || Array.isArray(c))
  ) {
    fail('noCellList');
  }
  const cells = doc.cells as NotebookCell[];
  if (cells.length === 0) fail('noCells');
  const tagged = cells.flatMap((cell, i) =>
    cell.cell_type === 'code' && tagsOf(cell).includes(parametersTag) ? [i] : [],
  );
  if (tagged.length > 1) {
    fail('twoParameterCells', { count: tagged.length, cells: tagged.map((i) => i + 1).join(', ') });
  }
  const language = languageOf(doc.metadata);
  if (language !== undefined && language !== python) {
    fail('notPython', { language, kernel: kernelName(doc.metadata) });
  }
  const first = tagged[0];
  return {
    cells,
    language,
    hasParametersCell: first !== undefined,
    parameters: first === undefined ? [] : parametersOf(sourceText(cells[first]?.source)),
  };
}

/** A JSON value as the harness prints it in a message (None, True, 3). */
function pythonText(value: unknown): string {
  if (value === undefined || value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export async function readNotebook(path: string, label: string): Promise<NotebookFacts> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read the notebook ${label}: ${errorMessage(error)}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    const { message, hint } = contractMessage('notebook', 'notUtf8', {
      label,
      detail: errorMessage(error),
    });
    throw new UsageError(message, { hint });
  }
  return parseNotebook(text, label);
}

function languageOf(metadata: unknown): string | undefined {
  const meta = (metadata ?? {}) as Record<string, Record<string, unknown> | undefined>;
  for (const [section, key] of [
    ['kernelspec', 'language'],
    ['language_info', 'name'],
  ] as const) {
    const value = meta[section]?.[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim().toLowerCase();
  }
  return undefined;
}

/** The kernel's display name, else its name (an empty one does not count), else `?`. */
function kernelName(metadata: unknown): string {
  const spec = (metadata as { kernelspec?: Record<string, unknown> } | undefined)?.kernelspec;
  const name = [spec?.display_name, spec?.name].find((n) => typeof n === 'string' && n !== '');
  return typeof name === 'string' ? name : '?';
}

let assignmentRegex: RegExp | undefined;

/** `name = value` or `name: type = value`, the name by the contract's identifier rule. */
function assignment(): RegExp {
  const name = harnessContract().identifier.pattern.replace(/^\^/, '').replace(/\$$/, '');
  assignmentRegex ??= new RegExp(`^(${name})\\s*(?::[^=]*)?=(?!=)\\s*(.*)$`, 'u');
  return assignmentRegex;
}

/**
 * The top-level assignments of a parameters cell (`name = value`, `name: type = value`),
 * as papermill's Python translator reads them. A value spanning several lines (an open
 * bracket) is followed to its end.
 */
export function parametersOf(source: string): { name: string; value?: ParamValue }[] {
  const found: { name: string; value?: ParamValue }[] = [];
  const lines = source.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const match = assignment().exec(lines[i] ?? '');
    if (match === null) continue;
    let text = withoutComment(match[2] ?? '');
    while (depth(text) > 0 && i + 1 < lines.length) text += `\n${withoutComment(lines[++i] ?? '')}`;
    const name = match[1] ?? '';
    const value = pythonLiteral(text.trim());
    const entry = value === undefined ? { name } : { name, value };
    const at = found.findIndex((p) => p.name === name);
    if (at >= 0) found[at] = entry;
    else found.push(entry);
  }
  return found;
}

function withoutComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return text.slice(0, i);
  }
  return text;
}

function depth(text: string): number {
  let open = 0;
  for (const c of text.replace(/(["'])(?:\\.|(?!\1).)*\1/g, '')) {
    if ('([{'.includes(c)) open++;
    else if (')]}'.includes(c)) open--;
  }
  return open;
}

/** A plain Python literal (number, string, True/False/None, list, dict) as a value. */
function pythonLiteral(text: string): ParamValue | undefined {
  if (text === '') return undefined;
  const words: Record<string, string> = { True: 'true', False: 'false', None: 'null' };
  // Python's words as YAML's, outside strings; YAML flow style reads the rest alike.
  const yaml = text.replace(/(["'])(?:\\.|(?!\1).)*\1|\b(True|False|None)\b/g, (m, _q, word) =>
    typeof word === 'string' ? (words[word] ?? m) : m,
  );
  const doc = parseDocument(yaml, { intAsBigInt: true });
  if (doc.errors.length > 0) return undefined;
  const root = doc.contents;
  if (!(isScalar(root) || isSeq(root) || isMap(root))) return undefined;
  // A bare word (a name, a call) reads as a YAML string, but it is code in Python.
  if (isScalar(root) && typeof root.value === 'string' && !/^["']/.test(text)) return undefined;
  const value = exactFromConfig(doc.toJS({ maxAliasCount: 0 }));
  return isParamValue(value) ? value : undefined;
}
