import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KaggleApiError,
  KaggleConnectionError,
  KaggleTimeoutError,
} from '../../src/kaggle/errors.js';
import { backoffDelayMs, parseRetryAfter, withRetry } from '../../src/kaggle/retry.js';
import { recordingSleep } from './helpers/fake-server.js';

void test('backoff: 0.5 s doubling to 8 s, minus up to 25 % jitter', () => {
  const noJitter = () => 0;
  const fullJitter = () => 1;
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 9].map((i) => backoffDelayMs(i, noJitter)),
    [500, 1000, 2000, 4000, 8000, 8000, 8000],
  );
  assert.deepEqual(
    [0, 1, 4].map((i) => backoffDelayMs(i, fullJitter)),
    [375, 750, 6000],
  );
});

void test('Retry-After: seconds or an HTTP-date; garbage is ignored', () => {
  const now = Date.parse('2026-07-01T00:00:00Z');
  assert.equal(parseRetryAfter('3', now), 3000);
  assert.equal(parseRetryAfter(' 1.5 ', now), 1500);
  assert.equal(parseRetryAfter('Wed, 01 Jul 2026 00:00:10 GMT', now), 10_000);
  assert.equal(parseRetryAfter('Tue, 30 Jun 2026 00:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});

const serverError = () => new KaggleApiError({ status: 503, operation: 'X' });

void test('retries retryable errors up to maxAttempts, reporting each retry', async () => {
  const { sleep, delays } = recordingSleep();
  const retries: number[] = [];
  let calls = 0;
  await assert.rejects(
    withRetry(
      'X',
      () => {
        calls++;
        return Promise.reject(serverError());
      },
      { maxAttempts: 4, sleep, random: () => 0, onRetry: (i) => retries.push(i.attempt) },
    ),
    KaggleApiError,
  );
  assert.equal(calls, 4);
  assert.deepEqual(delays, [500, 1000, 2000]);
  assert.deepEqual(retries, [1, 2, 3]);
});

void test('connection and timeout errors are retried; success ends the loop', async () => {
  const { sleep } = recordingSleep();
  const errors = [
    new KaggleConnectionError('reset', { operation: 'X', notDelivered: false }),
    new KaggleTimeoutError('slow', { operation: 'X' }),
  ];
  let calls = 0;
  const value = await withRetry(
    'X',
    () => {
      const error = errors[calls++];
      return error ? Promise.reject(error) : Promise.resolve('ok');
    },
    { sleep },
  );
  assert.equal(value, 'ok');
  assert.equal(calls, 3);
});

void test('non-retryable errors, and a Retry-After over 60 s, fail at once', async () => {
  const { sleep, delays } = recordingSleep();
  for (const error of [
    new KaggleApiError({ status: 404, operation: 'X' }),
    new KaggleApiError({ status: 400, operation: 'X' }),
    new KaggleApiError({ status: 429, operation: 'X', retryAfterMs: 61_000 }),
    new Error('a bug'),
  ]) {
    let calls = 0;
    await assert.rejects(
      withRetry(
        'X',
        () => {
          calls++;
          return Promise.reject(error);
        },
        { sleep },
      ),
      (e) => e === error,
    );
    assert.equal(calls, 1);
  }
  assert.deepEqual(delays, []);
});

void test('a Retry-After within the cap is waited exactly', async () => {
  const { sleep, delays } = recordingSleep();
  let calls = 0;
  await withRetry(
    'X',
    () =>
      calls++ === 0
        ? Promise.reject(new KaggleApiError({ status: 429, operation: 'X', retryAfterMs: 60_000 }))
        : Promise.resolve(1),
    { sleep },
  );
  assert.deepEqual(delays, [60_000]);
});

void test('a shared budget bounds retries across calls', async () => {
  const { sleep } = recordingSleep();
  const budget = { remaining: 3 };
  let calls = 0;
  const failing = () => {
    calls++;
    return Promise.reject(serverError());
  };
  await assert.rejects(withRetry('A', failing, { sleep, budget, maxAttempts: 10 }));
  await assert.rejects(withRetry('B', failing, { sleep, budget, maxAttempts: 10 }));
  assert.equal(calls, 5); // 1 + 3 retries, then 1 with the budget spent
  assert.equal(budget.remaining, 0);
});

void test('an abort during the wait stops retrying', async () => {
  const controller = new AbortController();
  let calls = 0;
  await assert.rejects(
    withRetry(
      'X',
      () => {
        calls++;
        return Promise.reject(serverError());
      },
      {
        signal: controller.signal,
        sleep: () => {
          controller.abort(new Error('stopped'));
          return Promise.resolve();
        },
      },
    ),
    /stopped/,
  );
  assert.equal(calls, 1);
});
