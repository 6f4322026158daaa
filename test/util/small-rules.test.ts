import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobSlug, limitedSlug } from '../../src/util/slug.js';
import { sleep, sleepOrAbort } from '../../src/util/sleep.js';
import { isInside, relativeInside } from '../../src/util/safe-path.js';
import { kernelSlugFor } from '../../src/run/run-job.js';
import { pointKernelSlug } from '../../src/sweep/grid.js';
import { chunkKernelSlug } from '../../src/batch/plan-batch.js';
import { slotSlug } from '../../src/store/kernel-lease.js';

void test('every slug a job gets keeps its suffix within Kaggle’s 50 characters', () => {
  const long = 'A Very Long Job Name That Goes On And On Past Any Limit';
  for (const slug of [
    jobSlug(long),
    kernelSlugFor({ name: long } as Parameters<typeof kernelSlugFor>[0]),
    pointKernelSlug(long, { lr: 0.1 }),
    chunkKernelSlug(long, 11),
    slotSlug(jobSlug(long), 7),
    limitedSlug('x'.repeat(49) + '-', 'env'),
  ]) {
    assert.ok(slug.length <= 50, slug);
    assert.doesNotMatch(slug, /--|^-|-$/, slug);
  }
  assert.match(chunkKernelSlug(long, 11), /-batch-12$/);
  assert.match(slotSlug(jobSlug(long), 7), /-7$/);
  assert.equal(jobSlug('hello'), 'kaggle-run-hello');
  assert.equal(jobSlug('hello', 'code'), 'kaggle-run-hello-code');
  assert.equal(slotSlug('kaggle-run-hello', 1), 'kaggle-run-hello');
});

void test('a sleep ends at once on an abort, before or during it, without throwing', async () => {
  const before = new AbortController();
  before.abort();
  const start = performance.now();
  await sleep(60_000, before.signal);
  const during = new AbortController();
  const waiting = sleep(60_000, during.signal);
  during.abort();
  await waiting;
  // Well under the minute either sleep would have taken.
  assert.ok(performance.now() - start < 30_000);
});

void test('sleepOrAbort throws an AbortError carrying the reason, as timers/promises does', async () => {
  const controller = new AbortController();
  const waiting = sleepOrAbort(60_000, controller.signal);
  controller.abort(new Error('deadline'));
  await assert.rejects(waiting, (error: Error & { code?: string }) => {
    assert.equal(error.name, 'AbortError');
    assert.equal(error.code, 'ABORT_ERR');
    assert.equal((error.cause as Error).message, 'deadline');
    return true;
  });
  await sleepOrAbort(1);
});

void test('inside the root: strictly below it, names starting with .. included', () => {
  assert.equal(relativeInside('/p', '/p/a/b.txt'), 'a/b.txt');
  assert.equal(relativeInside('/p', 'a/b.txt'), 'a/b.txt');
  assert.equal(relativeInside('/p', '..data/x.csv'), '..data/x.csv');
  assert.equal(relativeInside('/p', '/p'), undefined);
  assert.equal(relativeInside('/p', '..'), undefined);
  assert.equal(relativeInside('/p', '../q/x'), undefined);
  assert.equal(relativeInside('/p', '/other/x'), undefined);
  assert.equal(relativeInside('/p', '/pp/x'), undefined);
  assert.equal(isInside('/p', '/p/x'), true);
  assert.equal(isInside('/', '/x'), true);
});
