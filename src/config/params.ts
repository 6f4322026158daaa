// Job parameters: `-p KEY=VALUE` flags, their coercion to the declared type, and the
// `${name}` templates that script args use to refer to them.

import { isMap, isSeq, parseDocument } from 'yaml';
import { UsageError } from '../errors.js';
import { harnessContract } from '../harness/contract.js';
import {
  ExactNumber,
  exactFromConfig,
  floatParam,
  intParam,
  isParamValue,
  paramKind,
  paramText,
  type ParamValue,
} from './param-value.js';

/**
 * Param names become Python identifiers in the harness and notebook cells: any identifier
 * (PEP 3131: `héllo` too), the harness contract's rule; Python keywords are refused only
 * where the name becomes a variable (a notebook's injected cell).
 */
export function isIdentifier(name: string): boolean {
  return harnessContract().identifier.regex.test(name);
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

const intText = /^[+-]?\d+$/;
const floatText = /^[+-]?(?:\d+\.\d*|\.\d+|\d+(?:\.\d*)?[eE][+-]?\d+)$/;
// What Python's float() reads as nan and inf (papermill's `-p x=nan`), any case.
const nonFiniteText = /^([+-]?)(nan|inf|infinity)$/i;
const trueWords = new Set(['true', '1', 'yes', 'on']);
const falseWords = new Set(['false', '0', 'no', 'off']);

/** A number's text as Python reads it: an int (any size) or a float; undefined otherwise. */
function numberOf(text: string, as: 'int' | 'float' | 'either'): number | ExactNumber | undefined {
  if (intText.test(text)) return as === 'float' ? floatParam(Number(text)) : intParam(BigInt(text));
  if (floatText.test(text)) return floatParam(Number(text));
  const nonFinite = nonFiniteText.exec(text);
  if (nonFinite === null) return undefined;
  const sign = nonFinite[1] === '-' ? -1 : 1;
  return ExactNumber.float((nonFinite[2]?.toLowerCase() === 'nan' ? NaN : Infinity) * sign);
}

/**
 * Turns a flag's text into a value. The declared default's kind wins, so `-p lr=1` with a
 * float default is 1.0, `-p tag=007` with a string default stays a string and a list
 * default takes a list (`-p dims=[64, 128]`); an undeclared (or null) param is inferred as
 * papermill does, plus the lower-case spellings `true`, `false` and `null`.
 */
export function coerceParam(
  raw: string,
  declared: ParamValue | undefined,
  name?: string,
): ParamValue {
  const label = name === undefined ? 'param' : `param \`${name}\``;
  const kind = declared === undefined ? 'null' : paramKind(declared);
  const example = (what: string) =>
    `pass ${what}, e.g. -p ${name ?? 'KEY'}=${paramText(declared ?? null)}`;
  if (kind === 'int' || kind === 'float') {
    // An int default takes a float as papermill would (`-p epochs=2.5` is 2.5).
    const value = numberOf(raw.trim(), kind === 'float' ? 'float' : 'either');
    if (value === undefined) {
      throw new UsageError(`${label} must be a number, got ${JSON.stringify(raw)}`, {
        hint: `its default is ${paramText(declared ?? null)}; ${example('a number')}`,
      });
    }
    return value;
  }
  if (kind === 'boolean') {
    const word = raw.trim().toLowerCase();
    if (trueWords.has(word)) return true;
    if (falseWords.has(word)) return false;
    throw new UsageError(`${label} must be true or false, got ${JSON.stringify(raw)}`, {
      hint: 'use true/false (or True/False), 1/0 or yes/no',
    });
  }
  if (kind === 'string') return raw;
  if (kind === 'list' || kind === 'map') {
    const value = flowValue(raw);
    const got = value === undefined ? undefined : paramKind(value);
    if (got !== kind) {
      throw new UsageError(
        `${label} must be a ${kind === 'list' ? 'list' : 'mapping'} (its default is ${paramText(declared ?? null)}), got ${JSON.stringify(raw)}`,
        {
          hint: `write it in JSON or YAML flow style; ${example(kind === 'list' ? 'a list' : 'a mapping')}`,
        },
      );
    }
    return value ?? null;
  }
  return inferParam(raw);
}

function inferParam(raw: string): ParamValue {
  const text = raw.trim();
  if (text === 'true' || text === 'True') return true;
  if (text === 'false' || text === 'False') return false;
  if (text === 'null' || text === 'None') return null;
  return numberOf(text, 'either') ?? raw;
}

/** A list or mapping written in JSON or YAML flow style, with exact numbers. */
function flowValue(raw: string): ParamValue | undefined {
  const doc = parseDocument(raw, { intAsBigInt: true, uniqueKeys: true });
  if (doc.errors.length > 0 || !(isSeq(doc.contents) || isMap(doc.contents))) return undefined;
  const value = exactFromConfig(doc.toJS({ maxAliasCount: 100 }));
  return isParamValue(value) ? value : undefined;
}

/** The param names an arg refers to with `${name}`: the harness contract's grammar. */
export { argTemplateRefs } from '../harness/contract.js';
