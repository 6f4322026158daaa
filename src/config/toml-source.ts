// Reads `[tool.kaggle-run]` from pyproject.toml. smol-toml keeps no positions, so lines are
// found by scanning the text for table headers and keys (best effort: a key inside a
// multi-line array or string points at the line that opened it).

import { TomlError, parse } from 'smol-toml';
import { ConfigError } from '../errors.js';
import { isRecord, settleNumbers, toPlain } from './source.js';
import type { ConfigPath, ConfigSource } from './source.js';

const section = ['tool', 'kaggle-run'];

export function readPyprojectSource(file: string, text: string): ConfigSource {
  let document: unknown;
  try {
    // Ints as bigints tell `1` from `1.0` and keep every digit (see settleNumbers).
    document = toPlain(parse(text, { integersAsBigInt: true }));
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const message = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    throw new ConfigError([{ path: '', file, line: error.line, message: `TOML: ${message}` }], {
      hint: 'fix the TOML syntax at the line shown',
    });
  }
  const tool = isRecord(document) ? document.tool : undefined;
  const data = isRecord(tool) ? tool['kaggle-run'] : undefined;
  const index = indexKeys(text);
  const lineOf = (path: ConfigPath): number | undefined => {
    const want = path.map(String);
    for (let n = want.length; n >= 0; n--) {
      const line = index.get(want.slice(0, n).join('\u0000'));
      if (line !== undefined) return line;
    }
    return undefined;
  };
  if (!isRecord(data)) {
    throw new ConfigError(
      [{ path: '', file, line: lineOf([]), message: '[tool.kaggle-run] must be a table' }],
      { hint: 'write it as a [tool.kaggle-run] section with one `key = value` per line' },
    );
  }
  return { file, kind: 'pyproject', data: settleNumbers(data), lineOf };
}

/** Maps each key path under tool.kaggle-run (joined by NUL) to the first line defining it. */
function indexKeys(text: string): Map<string, number> {
  const index = new Map<string, number>();
  const record = (full: string[], line: number): void => {
    if (full.length < section.length || !section.every((s, i) => full[i] === s)) return;
    const key = full.slice(section.length).join('\u0000');
    if (!index.has(key)) index.set(key, line);
  };
  let table: string[] = [];
  let inMultiline = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const quotes = (raw.match(/"""|'''/g) ?? []).length;
    if (inMultiline) {
      if (quotes % 2 === 1) inMultiline = false;
      return;
    }
    const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/.exec(raw);
    if (header) {
      table = splitDottedKey(header[1] ?? '');
      record(table, line);
      return;
    }
    const assignment =
      /^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=(.*)$/.exec(
        raw,
      );
    if (assignment) {
      const full = [...table, ...splitDottedKey(assignment[1] ?? '')];
      record(full, line);
      // Keys of an inline table on the same line: `quick = { lr = 0.1 }`.
      const rest = assignment[2] ?? '';
      const inline = /^\s*\{(.*)\}\s*(?:#.*)?$/.exec(rest);
      for (const m of (inline?.[1] ?? '').matchAll(/(?:^|,)\s*([A-Za-z0-9_-]+|"[^"]*")\s*=/g)) {
        record([...full, ...splitDottedKey(m[1] ?? '')], line);
      }
      if (quotes % 2 === 1) inMultiline = true;
    }
  });
  return index;
}

/** `tool."kaggle-run".params` -> ['tool', 'kaggle-run', 'params']. */
function splitDottedKey(key: string): string[] {
  const parts: string[] = [];
  for (const m of key.matchAll(/\s*("([^"]*)"|'([^']*)'|[^.\s]+)\s*(?:\.|$)/g)) {
    parts.push(m[2] ?? m[3] ?? m[1] ?? '');
  }
  return parts;
}

/** True when a pyproject.toml text has a [tool.kaggle-run] section (or a sub-table of it). */
export function hasKaggleRunSection(text: string): boolean {
  return /^\s*\[\s*tool\s*\.\s*(?:kaggle-run|"kaggle-run"|'kaggle-run')\s*[\].]/m.test(text);
}
