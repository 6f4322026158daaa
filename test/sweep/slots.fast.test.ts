import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Slots } from '../../src/sweep/slots.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

void test('slots go out in enlist order, whichever point asks first', async () => {
  const slots = new Slots(1);
  slots.enlist(0);
  slots.enlist(1);
  const granted: number[] = [];
  const second = slots.acquire(undefined, 1).then((release) => {
    granted.push(1);
    return release;
  });
  await tick();
  assert.equal(granted.length, 0, 'point 1 waits for point 0, which has not asked yet');
  const first = await slots.acquire(undefined, 0);
  granted.push(0);
  await tick();
  assert.deepEqual(granted, [0], 'one slot: point 1 still waits');
  first();
  (await second)();
  assert.deepEqual(granted, [0, 1]);
});

void test('a point that leaves without a slot lets the next one go', async () => {
  const slots = new Slots(1);
  slots.enlist(0);
  slots.enlist(1);
  let got = false;
  const waiting = slots.acquire(undefined, 1).then(() => (got = true));
  await tick();
  assert.equal(got, false);
  slots.withdraw(0);
  await waiting;
  assert.equal(got, true);
});
