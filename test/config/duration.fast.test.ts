import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../../src/config/duration.js';
import { UsageError } from '../../src/errors.js';

void test('parseDuration reads seconds and h/m/s strings', () => {
  const cases: [string | number, number][] = [
    [90, 90],
    [0.5, 0.5],
    ['90', 90],
    ['90s', 90],
    ['30m', 1800],
    ['2h', 7200],
    ['1h30m', 5400],
    ['1h 30m 15s', 5415],
    ['1.5h', 5400],
    [' 2H ', 7200],
    ['12h', 43200],
    [43200, 43200],
  ];
  for (const [input, seconds] of cases) {
    assert.equal(parseDuration(input), seconds, JSON.stringify(input));
  }
});

void test('parseDuration rejects bad, zero, negative and over-12h durations', () => {
  const cases: [string | number, RegExp][] = [
    ['', /cannot read/],
    ['soon', /cannot read/],
    ['10d', /cannot read/],
    ['30m1h', /cannot read/],
    ['h', /cannot read/],
    [0, /more than zero/],
    ['0s', /more than zero/],
    [-5, /more than zero/],
    [Number.NaN, /not a number/],
    ['12h1s', /over 12h \(43200 s\)/],
    [43201, /over 12h/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseDuration(input),
      (error: unknown) => error instanceof UsageError && message.test(error.message),
      JSON.stringify(input),
    );
  }
});
