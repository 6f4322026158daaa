// JSON read the way Python's json module reads it, without losing what JavaScript's
// JSON.parse loses: a number keeps its text (so `1.0` stays a float and 12345678901234567890
// keeps its digits), `NaN`, `Infinity` and `-Infinity` are read (Python writes them), and an
// object keeps its keys in file order (JavaScript puts integer-like keys first).
// writePythonJson writes a tree back byte for byte as Python's `json.dumps(obj)` does.

export class JsonNumber {
  constructor(
    /** The number's text as written, or `NaN`, `Infinity`, `-Infinity`. */
    readonly text: string,
  ) {}

  /** Whether Python reads it as a float (a point, an exponent, or a non-finite word). */
  get isFloat(): boolean {
    return /[.eEIN]/.test(this.text);
  }
}

export class JsonObject {
  constructor(readonly entries: [string, JsonTree][]) {}
}

export type JsonTree = null | boolean | string | JsonNumber | JsonTree[] | JsonObject;

export class JsonSyntaxError extends Error {}

/** Deeper nesting than this is refused rather than overflowing the stack. */
const MAX_DEPTH = 1000;
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const words: [string, JsonTree][] = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['NaN', new JsonNumber('NaN')],
  ['Infinity', new JsonNumber('Infinity')],
  ['-Infinity', new JsonNumber('-Infinity')],
];

export function parseJsonTree(text: string): JsonTree {
  let at = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${at}`);
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at] ?? '')) at++;
  };
  const expect = (c: string) => {
    space();
    if (text[at] !== c) fail(`expected '${c}'`);
    at++;
  };
  const string = (): string => {
    const start = at;
    at++;
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    if (at >= text.length) fail('unterminated string');
    at++;
    try {
      // JavaScript reads JSON strings exactly as Python does (escapes, no raw control chars).
      return JSON.parse(text.slice(start, at)) as string;
    } catch {
      at = start;
      return fail('invalid string');
    }
  };
  const value = (depth: number): JsonTree => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
    space();
    const c = text[at];
    if (c === '"') return string();
    if (c === '[') {
      at++;
      const items: JsonTree[] = [];
      space();
      if (text[at] === ']') {
        at++;
        return items;
      }
      for (;;) {
        items.push(value(depth + 1));
        space();
        if (text[at] === ']') break;
        expect(',');
      }
      at++;
      return items;
    }
    if (c === '{') {
      at++;
      const entries: [string, JsonTree][] = [];
      space();
      if (text[at] === '}') {
        at++;
        return new JsonObject(entries);
      }
      for (;;) {
        space();
        if (text[at] !== '"') fail('expected a key in double quotes');
        const key = string();
        expect(':');
        entries.push([key, value(depth + 1)]);
        space();
        if (text[at] === '}') break;
        expect(',');
      }
      at++;
      return new JsonObject(entries);
    }
    for (const [word, tree] of words) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return tree;
      }
    }
    numberPattern.lastIndex = at;
    const match = numberPattern.exec(text);
    if (match === null) return fail(c === undefined ? 'unexpected end' : `unexpected '${c}'`);
    at += match[0].length;
    return new JsonNumber(match[0]);
  };
  const tree = value(0);
  space();
  if (at < text.length) fail('unexpected text after the value');
  return tree;
}

/** The tree as Python's `json.dumps(json.loads(text))` writes it (default arguments). */
export function writePythonJson(tree: JsonTree): string {
  if (tree === null) return 'null';
  if (tree === true) return 'true';
  if (tree === false) return 'false';
  if (typeof tree === 'string') return pythonString(tree);
  if (tree instanceof JsonNumber) return pythonNumber(tree);
  if (Array.isArray(tree)) return `[${tree.map(writePythonJson).join(', ')}]`;
  // A dict keeps a repeated key where it first appeared, with its last value.
  const merged = new Map<string, JsonTree>();
  for (const [key, value] of tree.entries) merged.set(key, value);
  return `{${[...merged].map(([k, v]) => `${pythonString(k)}: ${writePythonJson(v)}`).join(', ')}}`;
}

/** ensure_ascii: everything outside printable ASCII as \uXXXX (JSON.stringify did the rest). */
function pythonString(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function pythonNumber(n: JsonNumber): string {
  if (!n.isFloat) return BigInt(n.text).toString();
  return pythonFloatRepr(Number(n.text));
}

/** Python's repr of a float: the shortest digits, exponent form below 1e-4 and from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa = '', exp = '0'] = x.toExponential().split('e');
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  const e = Number(exp);
  let body: string;
  if (e < -4 || e >= 16) {
    const rest = digits.slice(1);
    body = `${digits[0] ?? ''}${rest === '' ? '' : `.${rest}`}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  } else if (e < 0) {
    body = `0.${'0'.repeat(-e - 1)}${digits}`;
  } else {
    const whole = digits.slice(0, e + 1).padEnd(e + 1, '0');
    const fraction = digits.slice(e + 1);
    body = `${whole}.${fraction === '' ? '0' : fraction}`;
  }
  return negative ? `-${body}` : body;
}
