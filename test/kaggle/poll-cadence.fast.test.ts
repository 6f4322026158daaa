import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pollIntervalMs } from '../../src/kaggle/kaggle-platform.js';

void test('status polling cadence is a pure function of elapsed time', () => {
  const table: [number, number][] = [
    [-5, 1000],
    [0, 1000],
    [9_999, 1000],
    [10_000, 2000],
    [59_999, 2000],
    [60_000, 5000],
    [299_999, 5000],
    [300_000, 10_000],
    [12 * 3600_000, 10_000],
  ];
  for (const [elapsed, interval] of table)
    assert.equal(pollIntervalMs(elapsed), interval, String(elapsed));
});

void test('after END_OF_LOG the status is checked every 250 ms for 5 s, never slower than usual', () => {
  const table: [number, number | undefined, number][] = [
    [3_000, 0, 250],
    [3_000, 4_999, 250],
    [3_000, 5_000, 1000],
    [400_000, 100, 250],
    [400_000, 6_000, 10_000],
    [400_000, undefined, 10_000],
  ];
  for (const [elapsed, sinceEnd, interval] of table) {
    assert.equal(pollIntervalMs(elapsed, sinceEnd), interval, `${elapsed} ${String(sinceEnd)}`);
  }
});
