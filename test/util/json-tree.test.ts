// The Python-dialect JSON reader and writer, checked against Python's own json module: for
// each text, writePythonJson(parseJsonTree(text)) must equal `json.dumps(json.loads(text))`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { JsonSyntaxError, parseJsonTree, writePythonJson } from '../../src/util/json-tree.js';

const PYTHON = '/usr/bin/python3';

const texts = [
  '{"b": 1, "a": [1, 2.5, -0.0, 1.0, 1e-300, 1e400, -1e400, 1E5, 12345678901234567890]}',
  '{"2": "two", "1": "one", "x": {"10": null, "9": true}}',
  '[0.1, 0.0001, 0.00001, 123456789012345.6, 1234567890123456.7, 1e16, 1e15, 1.5e-7, 5e-324]',
  '[NaN, Infinity, -Infinity, -0, 0, 100, 2.50]',
  '"h\\u00e9llo \\ud83d\\ude00 caf\u00e9 \u2603 \\u007f tab\\t nl\\n quote\\" back\\\\ ctl\\u0001"',
  '{"dup": 1, "other": 2, "dup": 3}',
  '  {  } ',
  '[[], {}, [[{"a": []}]], ""]',
  '{"s": "\\/ slash", "lone": "\\ud800"}',
];

void test('writePythonJson(parseJsonTree(t)) is what json.dumps(json.loads(t)) writes', () => {
  const script =
    'import json, sys\nfor line in sys.stdin.read().split("\\0"):\n    print(json.dumps(json.loads(line)))\n';
  const expected = execFileSync(PYTHON, ['-c', script], { input: texts.join('\0') })
    .toString('utf8')
    .trimEnd()
    .split('\n');
  assert.deepEqual(
    texts.map((t) => writePythonJson(parseJsonTree(t))),
    expected,
  );
});

void test('bad JSON is refused with its position; deep nesting is refused, not a crash', () => {
  for (const bad of ['{', '[1,]', '{"a" 1}', '{a: 1}', '01', '1 2', '"x', 'nul', '']) {
    assert.throws(() => parseJsonTree(bad), JsonSyntaxError, bad);
  }
  assert.throws(() => parseJsonTree('['.repeat(5000) + ']'.repeat(5000)), /nesting deeper/);
});
