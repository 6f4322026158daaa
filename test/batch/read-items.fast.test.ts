// Reading a batch's inputs file: JSON lines and CSV, ids from a field or from the position,
// cells coerced like -p values, and every bad line reported at once as file:line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { chunkItems, chunkKernelSlug } from '../../src/batch/plan-batch.js';
import { parseBatchItems } from '../../src/batch/read-items.js';
import { parseCsv } from '../../src/batch/csv.js';
import { ExactNumber, exactJson } from '../../src/config/param-value.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems.map((p) => `${p.line ?? '-'}: ${p.message}`);
  }
  assert.fail('expected a ConfigError');
}

void test('JSON lines: one item a line, blank lines skipped, ids by position', () => {
  const text = '{"text": "a", "n": 1}\n\n{"text": "b", "flag": true, "none": null}\r\n';
  assert.deepEqual(parseBatchItems(text, '/x/in.jsonl'), [
    { id: '0001', params: { text: 'a', n: 1 } },
    { id: '0002', params: { text: 'b', flag: true, none: null } },
  ]);
});

void test('ids from a field: numbers become strings; bad, missing and duplicate ids are reported by line', () => {
  const good = parseBatchItems('{"k": 7, "t": "a"}\n{"k": "x-1.b", "t": "b"}\n', 'in.ndjson', {
    idField: 'k',
  });
  assert.deepEqual(
    good.map((i) => i.id),
    ['7', 'x-1.b'],
  );
  const text = [
    '{"k": "a"}',
    '{"t": "no id"}',
    '{"k": "../up"}',
    '{"k": "A"}',
    '{"k": ".hidden"}',
    '{"k": true}',
  ].join('\n');
  assert.deepEqual(
    problems(() => parseBatchItems(text, 'in.jsonl', { idField: 'k' })),
    [
      '2: no "k" field (batch.id names the field that names each item)',
      `3: id "../up" cannot be a folder name; use letters, digits, '.', '_' and '-' (at most 100, not starting with '.')`,
      '4: duplicate id "A" (first on line 1)',
      `5: id ".hidden" cannot be a folder name; use letters, digits, '.', '_' and '-' (at most 100, not starting with '.')`,
      '6: the id field "k" is true; ids are strings or numbers',
    ],
  );
});

void test('JSON lines: bad JSON, non-objects and nested values are reported with their lines', () => {
  const text = '{"a": 1}\n{not json}\n[1, 2]\n{"a": {"b": 1}}\n"text"\n';
  const found = problems(() => parseBatchItems(text, 'in.jsonl'));
  assert.equal(found.length, 4);
  assert.match(found[0]!, /^2: not valid JSON/);
  assert.equal(found[1], '3: must be a JSON object such as {"text": "..."}, got a list');
  assert.match(found[2]!, /^4: field "a" is an object; item fields must be strings/);
  assert.equal(found[3], '5: must be a JSON object such as {"text": "..."}, got string "text"');
  // The message names the file, for the user to open.
  assert.throws(
    () => parseBatchItems('{', '/data/in.jsonl'),
    /\/data\/in\.jsonl:1: not valid JSON/,
  );
});

void test('an empty file is a problem, not an empty batch', () => {
  assert.deepEqual(
    problems(() => parseBatchItems('\n\n', 'in.jsonl')),
    ['-: the file holds no items'],
  );
  assert.deepEqual(
    problems(() => parseBatchItems('text\n', 'in.csv')),
    ['-: the file holds no items'],
  );
});

void test('CSV: header row, quoted cells with commas, quotes and newlines, values coerced like -p', () => {
  const text =
    '\uFEFFid,text,n,flag\r\n' +
    'a,"hello, world",1,yes\r\n' +
    'b,"say ""hi""\nthen go",007,false\r\n' +
    'c,,2.5,true\r\n';
  const items = parseBatchItems(text, 'in.csv', {
    idField: 'id',
    declared: { n: 0, flag: false },
  });
  assert.deepEqual(items, [
    { id: 'a', params: { id: 'a', text: 'hello, world', n: 1, flag: true } },
    { id: 'b', params: { id: 'b', text: 'say "hi"\nthen go', n: 7, flag: false } },
    { id: 'c', params: { id: 'c', text: '', n: 2.5, flag: true } },
  ]);
  // Undeclared columns are inferred, as -p does: numbers, true/false, null; else text.
  const inferred = parseBatchItems('v\n12\ntrue\nnull\n007x\n', 'in.csv');
  assert.deepEqual(
    inferred.map((i) => i.params.v),
    [12, true, null, '007x'],
  );
});

void test('CSV problems: ragged rows, a bad declared type, header trouble, an unclosed quote', () => {
  const text = 'text,n,text\na,1,x\nb\nc,two,y\n';
  assert.deepEqual(
    problems(() => parseBatchItems(text, 'in.csv', { declared: { n: 0 } })),
    [
      '1: header column "text" appears twice',
      '3: 1 cell, but the header names 3 columns',
      '4: param `n` must be a number, got "two"',
    ],
  );
  assert.deepEqual(
    problems(() => parseBatchItems('a,b\n1,"open\n2,3\n', 'in.csv')),
    ['2: CSV syntax: a quoted field is never closed'],
  );
  // A multi-line cell: the next row's line number is still right.
  assert.deepEqual(parseCsv('a\n"x\ny"\nz\n'), [
    { line: 1, cells: ['a'] },
    { line: 2, cells: ['x\ny'] },
    { line: 4, cells: ['z'] },
  ]);
});

void test('notebooks: field names must be Python variables', () => {
  assert.deepEqual(
    problems(() => parseBatchItems('{"ok": 1, "not ok": 2}\n', 'in.jsonl', { notebook: true })),
    [
      '1: field "not ok" cannot be a Python variable in the notebook; rename it (letters, digits and _, not starting with a digit)',
    ],
  );
});

void test('chunks of K in file order; each chunk a stable kernel slug under 50 characters', () => {
  // As few chunks as the size allows, balanced: never a full chunk and a nearly empty one.
  assert.deepEqual(chunkItems([1, 2, 3, 4, 5, 6, 7], 3), [
    [1, 2, 3],
    [4, 5],
    [6, 7],
  ]);
  const thirty = Array.from({ length: 30 }, (_, i) => i);
  assert.deepEqual(
    chunkItems(thirty, 25).map((c) => c.length),
    [15, 15],
  );
  assert.deepEqual(chunkItems(thirty, 15).flat(), thirty);
  assert.deepEqual(
    chunkItems(thirty, 7).map((c) => c.length),
    [6, 6, 6, 6, 6],
  );
  assert.deepEqual(chunkItems([1], 25), [[1]]);
  assert.deepEqual(chunkItems([], 25), []);
  assert.equal(chunkKernelSlug('My Job', 0), 'kaggle-run-my-job-batch-1');
  const long = chunkKernelSlug('x'.repeat(80), 122);
  assert.ok(long.length <= 50, long);
  assert.ok(long.endsWith('-batch-123'));
});

void test('JSON lines: numbers as Python reads them (big ints, whole floats, NaN, Infinity)', () => {
  const text =
    '{"big": 12345678901234567890, "one": 1.0, "neg": -0.0, "tiny": 1e-300, "n": 3, "x": 0.5}\n' +
    '{"nan": NaN, "inf": Infinity, "ninf": -Infinity, "huge": 1e400, "edge": 9007199254740993}\n';
  const [first, second] = parseBatchItems(text, 'in.jsonl');
  // exactJson is how the items reach the program: the text Python's json.loads reads back.
  assert.equal(
    exactJson(first!.params),
    '{"big":12345678901234567890,"one":1.0,"neg":-0.0,"tiny":1e-300,"n":3,"x":0.5}',
  );
  assert.equal(
    exactJson(second!.params),
    '{"nan":NaN,"inf":Infinity,"ninf":-Infinity,"huge":Infinity,"edge":9007199254740993}',
  );
  assert.ok(first!.params.one instanceof ExactNumber && first!.params.one.kind === 'float');
  // A big int can name its item, keeping its digits.
  const named = parseBatchItems('{"k": 12345678901234567890}\n', 'in.jsonl', { idField: 'k' });
  assert.equal(named[0]?.id, '12345678901234567890');
});
