import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import {
  ExactNumber,
  exactJson,
  floatParam,
  paramKind,
  paramText,
  plainParams,
  type ParamValue,
} from '../../src/config/param-value.js';
import { argTemplateRefs, coerceParam, parseParamFlag } from '../../src/config/params.js';
import { closestMatch, editDistance, suggestion } from '../../src/config/suggest.js';
import { UsageError } from '../../src/errors.js';

void test('parseParamFlag splits at the first =', () => {
  assert.deepEqual(parseParamFlag('lr=0.1'), { key: 'lr', value: '0.1' });
  assert.deepEqual(parseParamFlag('query=a=b'), { key: 'query', value: 'a=b' });
  assert.deepEqual(parseParamFlag('empty='), { key: 'empty', value: '' });
  assert.deepEqual(parseParamFlag(' _x1 = y'), { key: '_x1', value: ' y' });
});

void test('parseParamFlag rejects bad -p syntax with an example', () => {
  for (const [raw, why] of [
    ['lr', /no "="/],
    ['=3', /name before "=" is empty/],
    ['1lr=3', /not a valid param name/],
    ['my-param=3', /not a valid param name/],
  ] as const) {
    assert.throws(
      () => parseParamFlag(raw),
      (error: unknown) =>
        error instanceof UsageError &&
        /bad -p syntax/.test(error.message) &&
        why.test(error.message) &&
        /-p KEY=VALUE/.test(error.hint ?? ''),
      raw,
    );
  }
});

void test('coerceParam: the declared type wins', () => {
  assert.equal(coerceParam('0.5', 1), 0.5);
  assert.equal(coerceParam('1e-3', 0.1), 0.001);
  assert.equal(coerceParam(' 7 ', 1), 7);
  assert.equal(coerceParam('007', 'x'), '007');
  assert.equal(coerceParam('true', 'x'), 'true');
  for (const [raw, value] of [
    ['true', true],
    ['1', true],
    ['YES', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ] as const) {
    assert.equal(coerceParam(raw, false), value, raw);
  }
  assert.throws(
    () => coerceParam('fast', 0.1, 'lr'),
    (error: unknown) =>
      error instanceof UsageError && /param `lr` must be a number, got "fast"/.test(error.message),
  );
  assert.throws(
    () => coerceParam('maybe', true, 'amp'),
    (error: unknown) =>
      error instanceof UsageError && /`amp` must be true or false/.test(error.message),
  );
});

void test('coerceParam infers undeclared and null-declared params', () => {
  for (const declared of [undefined, null]) {
    assert.equal(coerceParam('true', declared), true);
    assert.equal(coerceParam('false', declared), false);
    assert.equal(coerceParam('null', declared), null);
    assert.equal(coerceParam('42', declared), 42);
    assert.equal(coerceParam('-0.25', declared), -0.25);
    assert.equal(coerceParam('resnet', declared), 'resnet');
    assert.equal(coerceParam('1.2.3', declared), '1.2.3');
    assert.equal(coerceParam('', declared), '');
  }
});

void test('argTemplateRefs lists ${name} references', () => {
  assert.deepEqual(argTemplateRefs('--lr=${lr}'), ['lr']);
  assert.deepEqual(argTemplateRefs('${a}-${b}-${a}'), ['a', 'b', 'a']);
  assert.deepEqual(argTemplateRefs('$lr {lr}'), []);
  assert.deepEqual(argTemplateRefs('$${literal}-${real}'), ['real']);
});

void test('did-you-mean: edits, swaps, prefixes, spelling styles', () => {
  assert.equal(editDistance('nmae', 'name'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  const keys = ['name', 'entry', 'requirements', 'outputs', 'timeout', 'datasets'];
  assert.equal(closestMatch('nmae', keys), 'name');
  assert.equal(closestMatch('output', keys), 'outputs');
  assert.equal(closestMatch('req', keys), 'requirements');
  assert.equal(closestMatch('timeoutSeconds', keys), 'timeout');
  assert.equal(closestMatch('gpu_type', keys), undefined);
  assert.equal(suggestion('nmae', keys), '; did you mean `name`?');
  assert.match(suggestion('zzz', keys), /; known keys: name, entry, /);
});

/** What Python's json module reads: the exact text of a value. */
const py = (value: unknown) => exactJson(value);

void test('coerceParam keeps exact types: ints of any size, floats stay floats, nan and inf', () => {
  const float = 0.1; // a float default
  const int = 3; // an int default
  for (const [raw, declared, text] of [
    ['1', float, '1.0'],
    ['-0', float, '-0.0'],
    ['1e-300', float, '1e-300'],
    ['1e400', float, 'Infinity'],
    ['nan', float, 'NaN'],
    ['-inf', float, '-Infinity'],
    ['Infinity', int, 'Infinity'],
    ['2.5', int, '2.5'],
    ['9007199254740993', int, '9007199254740993'],
    ['12345678901234567890', undefined, '12345678901234567890'],
    ['1.0', undefined, '1.0'],
    ['1e5', undefined, '100000.0'],
    ['nan', null, 'NaN'],
    ['True', undefined, 'true'],
    ['False', undefined, 'false'],
    ['None', undefined, 'null'],
    ['[1, 2.0, "x", null]', [0], '[1,2.0,"x",null]'],
    ['{a: {b: [1e400]}}', { a: 1 }, '{"a":{"b":[Infinity]}}'],
    ['[1, 2]', undefined, '"[1, 2]"'], // undeclared: a string, as papermill's -p has it
  ] as const) {
    assert.equal(py(coerceParam(raw, declared as ParamValue | undefined)), text, raw);
  }
  assert.throws(
    () => coerceParam('{a: 1}', [1], 'dims'),
    (error: unknown) =>
      error instanceof UsageError && /param `dims` must be a list/.test(error.message),
  );
});

void test('exact values: Python reads back what was written, records get plain JSON', () => {
  const values = {
    big: ExactNumber.int(2n ** 53n + 1n),
    one: floatParam(1),
    half: floatParam(0.5),
    nan: floatParam(NaN),
    huge: 1e21,
    nested: { list: [floatParam(2), null, 'é'] },
  };
  const text = exactJson(values);
  assert.equal(
    text,
    '{"big":9007199254740993,"one":1.0,"half":0.5,"nan":NaN,"huge":1000000000000000000000,"nested":{"list":[2.0,null,"é"]}}',
  );
  const program =
    'import json,sys; v = json.loads(sys.stdin.read()); ' +
    'print(repr(v["big"]), type(v["one"]).__name__, repr(v["nan"]), repr(v["nested"]))';
  const out = execFileSync('python3', ['-c', program], { input: text, encoding: 'utf8' });
  assert.equal(out, "9007199254740993 float nan {'list': [2.0, None, 'é']}\n");
  assert.deepEqual(plainParams(values), {
    big: '9007199254740993',
    one: 1,
    half: 0.5,
    nan: 'nan',
    huge: 1e21,
    nested: { list: [2, null, 'é'] },
  });
  assert.equal(paramText(floatParam(1)), '1.0');
  assert.equal(paramText(floatParam(-Infinity)), '-inf');
  assert.equal(paramKind(floatParam(3)), 'float');
  assert.equal(paramKind(3), 'int');
});
