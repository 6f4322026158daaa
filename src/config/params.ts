// Job parameters: `-p KEY=VALUE` flags, their coercion to the declared type, and the
// `${name}` templates that script args use to refer to them.

import { UsageError } from '../errors.js';
import type { ParamValue } from '../job.js';

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Param names become Python identifiers in the harness and notebook cells. */
export function isIdentifier(name: string): boolean {
  return identifier.test(name);
}

const flagExample = 'write it as -p KEY=VALUE, e.g. -p lr=0.001 or -p epochs=3';

/** Splits one raw `-p` value at its first `=`; the value may itself contain `=`. */
export function parseParamFlag(raw: string): { key: string; value: string } {
  const at = raw.indexOf('=');
  if (at < 0) {
    throw new UsageError(`bad -p syntax ${JSON.stringify(raw)}: no "="`, { hint: flagExample });
  }
  const key = raw.slice(0, at).trim();
  if (key === '') {
    throw new UsageError(`bad -p syntax ${JSON.stringify(raw)}: the name before "=" is empty`, {
      hint: flagExample,
    });
  }
  if (!isIdentifier(key)) {
    throw new UsageError(
      `bad -p syntax ${JSON.stringify(raw)}: ${JSON.stringify(key)} is not a valid param name (letters, digits and _, not starting with a digit)`,
      { hint: flagExample },
    );
  }
  return { key, value: raw.slice(at + 1) };
}

const numeric = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const trueWords = new Set(['true', '1', 'yes', 'on']);
const falseWords = new Set(['false', '0', 'no', 'off']);

/**
 * Turns a flag's text into a value. The declared default's type wins, so `-p lr=1` stays a
 * number and `-p tag=007` stays a string; an undeclared (or null) param is inferred.
 */
export function coerceParam(
  raw: string,
  declared: ParamValue | undefined,
  name?: string,
): ParamValue {
  const label = name === undefined ? 'param' : `param \`${name}\``;
  if (typeof declared === 'number') {
    const text = raw.trim();
    if (!numeric.test(text)) {
      throw new UsageError(`${label} must be a number, got ${JSON.stringify(raw)}`, {
        hint: `its default is ${declared}; pass a number, e.g. -p ${name ?? 'KEY'}=${declared}`,
      });
    }
    return Number(text);
  }
  if (typeof declared === 'boolean') {
    const word = raw.trim().toLowerCase();
    if (trueWords.has(word)) return true;
    if (falseWords.has(word)) return false;
    throw new UsageError(`${label} must be true or false, got ${JSON.stringify(raw)}`, {
      hint: 'use true/false, 1/0 or yes/no',
    });
  }
  if (typeof declared === 'string') return raw;
  return inferParam(raw);
}

function inferParam(raw: string): ParamValue {
  const text = raw.trim();
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (numeric.test(text)) return Number(text);
  return raw;
}

// `$${x}` is a literal `${x}` (the harness renders it so), not a reference.
const templatePattern = /(?<!\$)\$\{([^}]*)\}/g;

/** The param names an arg refers to with `${name}`, in order, repeats included. */
export function argTemplateRefs(arg: string): string[] {
  return [...arg.matchAll(templatePattern)].map((m) => (m[1] ?? '').trim());
}
