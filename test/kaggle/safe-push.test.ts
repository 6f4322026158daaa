import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KaggleApiError, PushRejectedError } from '../../src/kaggle/errors.js';
import { KaggleHttp } from '../../src/kaggle/http.js';
import { KernelsApi } from '../../src/kaggle/kernels.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../src/kaggle/retry.js';
import { pushKernel } from '../../src/kaggle/safe-push.js';
import type { PushResult } from '../../src/kaggle/safe-push.js';
import {
  dropConnection,
  json,
  kernelsRpc,
  recordingSleep,
  startServer,
} from './helpers/fake-server.js';
import type { FakeServer, Handler } from './helpers/fake-server.js';

const SAVE = kernelsRpc('SaveKernel');
const GET = kernelsRpc('GetKernel');
const kernel = (version: number) =>
  json({ metadata: { id: 9, ref: 'me/k', currentVersionNumber: version } });
const saved = (version: number) =>
  json({ ref: 'me/k', url: 'https://www.kaggle.com/code/me/k', versionNumber: version });
const notFound = json({ code: 404, message: 'Not found' }, 404);

async function push(
  routes: Record<string, Handler | Handler[]>,
  check: (outcome: PushResult | Error, server: FakeServer, delays: number[]) => void,
  timeoutMs?: number,
): Promise<void> {
  const server = await startServer(routes);
  const { sleep, delays } = recordingSleep();
  try {
    const api = new KernelsApi(
      new KaggleHttp({ base: server.url, sleep, random: () => 0, timeoutMs }),
    );
    const outcome = await pushKernel(api, { owner: 'me', slug: 'k' }, { text: 'print(1)' }).catch(
      (e: Error) => e,
    );
    check(outcome, server, delays);
  } finally {
    await server.close();
  }
}

void test('an answer lost after the push landed: GetKernel shows the new version, no second push', async () => {
  await push({ [GET]: [kernel(3), kernel(4)], [SAVE]: [dropConnection] }, (outcome, server) => {
    assert.ok(!(outcome instanceof Error));
    assert.equal(outcome.versionNumber, 4);
    assert.equal(outcome.recovered, true);
    assert.equal(server.calls(SAVE).length, 1);
    assert.deepEqual(JSON.parse(server.calls(SAVE)[0]?.body ?? ''), {
      slug: 'me/k',
      text: 'print(1)',
    });
  });
});

void test('a 5xx push that did not land is pushed again', async () => {
  await push(
    { [GET]: [kernel(3), kernel(3)], [SAVE]: [json({}, 500), saved(4)] },
    (outcome, server, delays) => {
      assert.ok(!(outcome instanceof Error));
      assert.deepEqual(
        {
          version: outcome.versionNumber,
          recovered: outcome.recovered,
          attempts: outcome.attempts,
        },
        { version: 4, recovered: false, attempts: 2 },
      );
      assert.equal(server.calls(SAVE).length, 2);
      assert.deepEqual(delays, [500]);
    },
  );
});

void test('a first push (GetKernel 404 before) that timed out but landed is recovered', async () => {
  const never: Handler = () => undefined;
  await push(
    { [GET]: [notFound, kernel(1)], [SAVE]: [never] },
    (outcome) => {
      assert.ok(!(outcome instanceof Error));
      assert.equal(outcome.versionNumber, 1);
      assert.equal(outcome.recovered, true);
    },
    // The push's answer never comes, so each attempt lasts this long; the GetKernel checks
    // must answer within it even on a loaded machine, or they are retried as well.
    3000,
  );
});

void test('a 4xx or a rejection in the body is final: one push, no check', async () => {
  await push(
    { [GET]: [kernel(3)], [SAVE]: [json({ code: 400, message: 'bad slug' }, 400)] },
    (outcome, server) => {
      assert.ok(outcome instanceof KaggleApiError && outcome.kind === 'bad-request');
      assert.equal(server.calls(GET).length, 1);
    },
  );
  await push({ [GET]: [notFound], [SAVE]: [json({ error: 'Notebook not found' })] }, (outcome) => {
    assert.ok(outcome instanceof PushRejectedError);
  });
});

void test('a 429 was surely refused: pushed again after Retry-After, without a GetKernel check', async () => {
  await push(
    { [GET]: [kernel(3)], [SAVE]: [json({}, 429, { 'Retry-After': '3' }), saved(4)] },
    (outcome, server, delays) => {
      assert.ok(!(outcome instanceof Error));
      assert.equal(outcome.versionNumber, 4);
      assert.deepEqual(delays, [3000]);
      assert.equal(server.calls(GET).length, 1);
    },
  );
});

void test('pushes are bounded when the outcome stays unknown and nothing landed', async () => {
  await push({ [GET]: kernel(3), [SAVE]: json({}, 503) }, (outcome, server) => {
    assert.ok(outcome instanceof KaggleApiError && outcome.kind === 'server');
    assert.equal(server.calls(SAVE).length, DEFAULT_MAX_ATTEMPTS);
    // before, then after each push but the last
    assert.equal(server.calls(GET).length, DEFAULT_MAX_ATTEMPTS);
  });
});
