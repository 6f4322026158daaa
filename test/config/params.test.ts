import assert from 'node:assert/strict';
import { test } from 'node:test';
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
