// Reads a YAML config keeping source positions, so problems found later (by the schema or
// the file checks) can name the line they are on. Duplicate keys are found here in one pass
// (the yaml library's own check compares each key with every earlier one: 40,000 params
// took minutes), and aliases that expand without bound (an alias bomb) are refused.

import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import type { ConfigProblem } from '../errors.js';
import { ConfigError } from '../errors.js';
import { settleNumbers } from './source.js';
import type { ConfigPath, ConfigSource } from './source.js';

export interface YamlReadOptions {
  /** An empty (or comments-only) file reads as {} instead of failing. */
  allowEmpty?: boolean;
}

export function readYamlSource(
  file: string,
  text: string,
  options: YamlReadOptions = {},
): ConfigSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    keepSourceTokens: true,
    uniqueKeys: false,
    prettyErrors: true,
    // Ints as bigints tell `1` from `1.0` and keep every digit (see settleNumbers).
    intAsBigInt: true,
  });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => ({
        path: '',
        file,
        line: error.linePos?.[0].line,
        message: firstLine(error.message),
      })),
      { hint: 'fix the YAML syntax at the line shown' },
    );
  }
  const lineAt = (offset: number | undefined): number | undefined =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  const duplicates = duplicateKeys(doc, file, lineAt);
  if (duplicates.length > 0) {
    throw new ConfigError(duplicates, { hint: 'keep one of each key (the later one is not used)' });
  }

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    if (options.allowEmpty) return { file, kind: 'yaml', data: {}, lineOf: () => undefined };
    throw new ConfigError([{ path: '', file, line: 1, message: 'the file is empty' }], {
      hint: 'run `kaggle-run init` to write a starter file, or add at least `entry: train.py`',
    });
  }
  if (!isMap(root)) {
    throw new ConfigError(
      [{ path: '', file, line: lineAt(root.range?.[0]), message: 'must be a mapping of keys' }],
      { hint: 'write one `key: value` per line, e.g. `entry: train.py`' },
    );
  }

  const lineOf = (path: ConfigPath): number | undefined => {
    let node: unknown = root;
    let line = lineAt(root.range?.[0]);
    for (const segment of path) {
      const found = child(node, segment);
      if (found === undefined) break;
      line = lineAt(found.start) ?? line;
      node = found.node;
    }
    return line;
  };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // yaml throws a ReferenceError when aliases would expand past the count.
    if (!(error instanceof ReferenceError)) throw error;
    throw new ConfigError(
      [{ path: '', file, message: 'its aliases (*name) expand too much to be read' }],
      {
        hint: `write the values out, or use fewer aliases (at most ${MAX_ALIAS_COUNT} expansions)`,
      },
    );
  }
  return { file, kind: 'yaml', data: settleNumbers(data), lineOf };
}

/** How many times aliases may be expanded in one file: plenty for real specs, not for a bomb. */
const MAX_ALIAS_COUNT = 100;

/** Every key that appears twice in one mapping, each named at its second line. */
function duplicateKeys(
  doc: Document,
  file: string,
  lineAt: (offset: number | undefined) => number | undefined,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) {
          problems.push({
            path: '',
            file,
            line: lineAt(pair.key.range?.[0]),
            message: `Map keys must be unique; ${JSON.stringify(key)} is repeated`,
          });
        }
        seen.add(key);
      }
    },
  });
  return problems;
}

/** The child at one path segment, with the offset of its key (maps) or item (lists). */
function child(
  node: unknown,
  segment: string | number,
): { node: unknown; start: number | undefined } | undefined {
  if (isMap(node)) {
    const pair = (node.items as unknown[]).find(
      (item): item is Pair<Node, unknown> =>
        isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
    );
    if (pair === undefined) return undefined;
    return { node: pair.value, start: pair.key.range?.[0] };
  }
  if (isSeq(node)) {
    const item = node.items[Number(segment)];
    if (item === undefined) return undefined;
    return { node: item, start: (item as Node).range?.[0] };
  }
  return undefined;
}

/** yaml's pretty errors append a code excerpt and "at line N, column M"; the line is shown apart. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
