// `requirements` read as pip reads a requirements file: comments, line continuations,
// `-r`/`-c` files (relative to the file that names them), `-e`, index options, environment
// markers and `--hash`. The result is one flat requirements text for `pip install -r`,
// with nested files inlined, so what a session installs never depends on a file that was not
// packed, and options that cannot work in a session are refused before anything is pushed.

import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { relativeInside } from '../util/safe-path.js';

/** Options pip accepts on a line of their own, each with whether it takes a value. */
const globalOptions = new Map<string, boolean>([
  ['-i', true],
  ['--index-url', true],
  ['--extra-index-url', true],
  ['--no-index', false],
  ['-f', true],
  ['--find-links', true],
  ['--pre', false],
  ['--prefer-binary', false],
  ['--only-binary', true],
  ['--no-binary', true],
  ['--trusted-host', true],
  ['--require-hashes', false],
  ['--use-feature', true],
]);

/** Options after a requirement on its line. */
const perRequirement = ['--hash', '--config-settings', '--global-option'];

/** Options that make no sense for an isolated environment or a session: refused, with why. */
const refused = new Map<string, string>([
  ['--user', 'installs into your home folder, outside the environment the run uses'],
  ['--target', 'installs outside the environment the run uses'],
  ['--prefix', 'installs outside the environment the run uses'],
  ['--root', 'installs outside the environment the run uses'],
  ['--src', 'moves editable checkouts outside the run'],
  [
    '--break-system-packages',
    'local runs install into a project environment that needs no such flag',
  ],
]);

export interface ParsedRequirements {
  /** The requirements as one file's text, nested files inlined: what `pip install -r` gets. */
  text: string;
  /** Each requirement line (not options), in order: for messages and the cache key. */
  requirements: string[];
  /** Project-relative paths of the files read (the spec's file and every `-r`/`-c`). */
  files: string[];
  /** Lines that install from the project folder itself (`-e .`, `./pkg`, `file:`). */
  localPaths: string[];
}

export type RequirementsSource = { file: string } | { packages: string[] };

interface Line {
  text: string;
  where: string;
}

/** Joins continuation lines and drops comments and blank lines, as pip does. */
function logicalLines(text: string, where: string): Line[] {
  const lines: Line[] = [];
  let pending = '';
  let start = 0;
  const raw = text.split(/\r?\n/);
  raw.forEach((line, index) => {
    if (pending === '') start = index + 1;
    // A comment starts at `#` at the line's start or after whitespace (a URL's `#egg=` stays).
    const stripped = line.replace(/(^|\s)#.*$/, '');
    if (/\\$/.test(stripped) && index < raw.length - 1) {
      pending += stripped.slice(0, -1);
      return;
    }
    const joined = (pending + stripped).trim();
    pending = '';
    if (joined !== '') lines.push({ text: joined, where: `${where}:${start}` });
  });
  return lines;
}

/** Splits `--opt=value` and `--opt value` (and `-rfile`) into the option and its value. */
function splitOption(text: string): { option: string; value: string } {
  const long = /^(--[a-z-]+)(?:=|\s+)?(.*)$/.exec(text);
  if (long !== null) return { option: long[1] ?? '', value: (long[2] ?? '').trim() };
  const short = /^(-[a-zA-Z])\s*(.*)$/.exec(text);
  return { option: short?.[1] ?? text, value: (short?.[2] ?? '').trim() };
}

function isLocalPath(spec: string): boolean {
  return /^(\.{1,2}(\/|$)|\/|file:)/.test(spec);
}

function fail(where: string, message: string, hint: string): never {
  throw new UsageError(`requirements (${where}): ${message}`, { hint });
}

function inRoot(root: string, path: string): string | undefined {
  return relativeInside(root, path);
}

/**
 * Parses the job's requirements (a file in `root`, or the spec's inline lines). Throws a
 * UsageError naming the line for what pip would refuse or what cannot work in a session.
 */
export async function parseRequirements(
  root: string,
  source: RequirementsSource,
): Promise<ParsedRequirements> {
  const out: string[] = [];
  const requirements: string[] = [];
  const files: string[] = [];
  const localPaths: string[] = [];
  const reading: string[] = [];

  async function include(rel: string, where: string): Promise<Line[]> {
    const abs = resolve(root, rel);
    const inside = inRoot(root, abs);
    if (inside === undefined) {
      fail(
        where,
        `${rel} is outside the project`,
        'keep requirements files inside the project folder, where they are packed',
      );
    }
    if (reading.includes(inside)) {
      fail(
        where,
        `${inside} includes itself (${[...reading, inside].join(' -> ')})`,
        'remove the -r line that loops',
      );
    }
    const text = await readFile(abs, 'utf8').catch((error: NodeJS.ErrnoException) => {
      fail(
        where,
        `cannot read ${inside}: ${error.code ?? error.message}`,
        'check the path (it is relative to the file that names it)',
      );
    });
    files.push(inside);
    return logicalLines(text, inside);
  }

  async function walk(lines: Line[], base: string): Promise<void> {
    for (const { text, where } of lines) {
      if (!text.startsWith('-')) {
        const [spec = '', ...rest] = text.split(/\s+(?=--)/);
        for (const option of rest) {
          const name = splitOption(option).option;
          if (!perRequirement.includes(name)) {
            fail(
              where,
              `pip does not accept ${name} after a requirement`,
              `allowed after a requirement: ${perRequirement.join(', ')}`,
            );
          }
        }
        requirements.push(spec.trim());
        if (isLocalPath(spec)) localPaths.push(spec.trim());
        out.push(text);
        continue;
      }
      const { option, value } = splitOption(text);
      if (
        option === '-r' ||
        option === '--requirement' ||
        option === '-c' ||
        option === '--constraint'
      ) {
        if (value === '') fail(where, `${option} needs a file`, 'write `-r other.txt`');
        if (/^[a-z]+:\/\//i.test(value)) {
          out.push(text); // a URL: pip fetches it in the session
          continue;
        }
        const rel = isAbsolute(value) ? value : join(base, value);
        if (option === '-c' || option === '--constraint') {
          const abs = resolve(root, rel);
          const inside = inRoot(root, abs);
          if (inside === undefined)
            fail(
              where,
              `${value} is outside the project`,
              'keep constraints files inside the project folder, where they are packed',
            );
          files.push(inside);
          // Constraints are not requirements: the file is named, from the project's top.
          out.push(`-c ${inside}`);
          continue;
        }
        const lines = await include(rel, where);
        const inside = inRoot(root, resolve(root, rel)) ?? rel;
        reading.push(inside);
        await walk(lines, dirname(inside));
        reading.pop();
        continue;
      }
      if (option === '-e' || option === '--editable') {
        if (value === '')
          fail(where, `${option} needs a path or URL`, 'write `-e .` for the project itself');
        requirements.push(`-e ${value}`);
        if (isLocalPath(value)) localPaths.push(`-e ${value}`);
        out.push(`-e ${value}`);
        continue;
      }
      const why = refused.get(option);
      if (why !== undefined) {
        fail(where, `${option} ${why}`, `remove ${option} from the requirements`);
      }
      const takesValue = globalOptions.get(option);
      if (takesValue === undefined) {
        fail(
          where,
          `pip does not accept ${option} in a requirements file`,
          `options pip accepts there: -r, -c, -e, ${[...globalOptions.keys()].join(', ')}`,
        );
      }
      if (takesValue && value === '')
        fail(where, `${option} needs a value`, `write \`${option} VALUE\``);
      if (!takesValue && value !== '')
        fail(where, `${option} takes no value`, `write ${option} on a line of its own`);
      out.push(takesValue ? `${option} ${value}` : option);
    }
  }

  if ('file' in source) {
    const lines = await include(source.file, 'requirements');
    const inside = files[0] ?? source.file;
    reading.push(inside);
    await walk(lines, dirname(inside));
  } else {
    // Each inline entry is one line of a requirements file: `-e .` is an option and a path.
    const lines = source.packages.flatMap((entry, i) => logicalLines(entry, `requirements[${i}]`));
    await walk(lines, '.');
  }
  return { text: out.length === 0 ? '' : `${out.join('\n')}\n`, requirements, files, localPaths };
}
