// `env_file:`: reads a dotenv file and picks the variables to ship. The syntax is the common
// one: `KEY=value`, optional `export `, '#' comments, single or double quotes (double-quoted
// values understand \n, \t, \" and \\). A bad line is an error with its line number, never
// silently skipped: a variable that does not arrive would fail far away, on Kaggle.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

export function parseDotenv(text: string, file: string): Map<string, string> {
  const values = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '' || raw.trim().startsWith('#')) return;
    const match = LINE.exec(raw);
    if (match === null) {
      throw new UsageError(`${file}:${index + 1}: not a KEY=value line`, {
        hint: 'write one variable per line, e.g. HF_TOKEN=hf_abc (quotes are allowed)',
      });
    }
    values.set(match[1] ?? '', unquote(match[2] ?? '', `${file}:${index + 1}`));
  });
  return values;
}

function unquote(value: string, where: string): string {
  const quote = value[0];
  if (quote !== '"' && quote !== "'") return value.replace(/\s+#.*$/, '');
  const end = value.lastIndexOf(quote);
  if (end === 0) {
    throw new UsageError(`${where}: the value's closing ${quote} is missing`, {
      hint: 'values spanning several lines are not supported; use \\n inside double quotes',
    });
  }
  const inner = value.slice(1, end);
  if (quote === "'") return inner;
  return inner.replace(/\\([nt"\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/** The variables to ship: the chosen ones (each must be in the file), else all of them. */
export async function readEnvFile(
  root: string,
  envFile: { path: string; vars: string[] | undefined },
): Promise<Record<string, string>> {
  const values = parseDotenv(await readFile(join(root, envFile.path), 'utf8'), envFile.path);
  const names = envFile.vars ?? [...values.keys()];
  const missing = names.filter((name) => !values.has(name));
  if (missing.length > 0) {
    throw new UsageError(`env_file: ${envFile.path} does not set ${missing.join(', ')}`, {
      hint: `add ${missing.length === 1 ? 'it' : 'them'} to the file, or drop ${missing.length === 1 ? 'it' : 'them'} from env_file.vars`,
    });
  }
  if (names.length === 0) {
    throw new UsageError(`env_file: ${envFile.path} sets no variable`, {
      hint: 'add KEY=value lines, or drop env_file',
    });
  }
  return Object.fromEntries(names.map((name) => [name, values.get(name) ?? '']));
}
