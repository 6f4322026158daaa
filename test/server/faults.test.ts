import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { FaultInjector, parseFaultSpec } from '../../src/server/faults.js';
import type { ServerHandle } from '../../src/server/server.js';
import {
  basic,
  listAllOutput,
  ME,
  push,
  rpc,
  scriptPush,
  startTestServer,
  waitForEnd,
} from './helpers.js';

void test('fault specs: a bare rate or kind=rate pairs; bad ones are usage errors', () => {
  assert.deepEqual(parseFaultSpec('0.2'), { any: 0.2 });
  assert.deepEqual(parseFaultSpec('429=0.1, drop=0.05,truncate=1'), {
    '429': 0.1,
    drop: 0.05,
    truncate: 1,
  });
  assert.deepEqual(parseFaultSpec(''), {});
  assert.throws(() => parseFaultSpec('teapot=0.1'), UsageError);
  assert.throws(() => parseFaultSpec('429=2'), UsageError);
  assert.throws(() => parseFaultSpec('1.5'), UsageError);
  assert.throws(() => parseFaultSpec('500'), UsageError);
});

void test('the same seed draws the same faults; another seed draws others', () => {
  const draw = (seed: number) => {
    const faults = new FaultInjector('0.5', seed);
    return Array.from({ length: 200 }, (_, i) => faults.draw(i % 3 === 0 ? 'file' : 'rpc'));
  };
  assert.deepEqual(draw(7), draw(7));
  assert.notDeepEqual(draw(7), draw(8));
  const kinds = new Set(draw(7));
  for (const kind of [undefined, '429', '500', '503', 'drop', 'slow', 'truncate']) {
    assert.ok(kinds.has(kind as never), `kind ${String(kind)} drawn`);
  }
  assert.ok(!kinds.has('queue') && !kinds.has('status404'), 'push-only kinds stay on pushes');
});

/** Sends the same 40 requests and records what the client saw. */
async function scriptedRequests(server: ServerHandle): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < 40; i++) {
    try {
      const result = await rpc(server, 'ListKernels', { page: 1 });
      seen.push(
        String(result.status) + (result.headers.get('retry-after') === '1' ? '+retry' : ''),
      );
    } catch {
      seen.push('dropped');
    }
  }
  return seen;
}

void test('injected faults repeat with a fixed seed over HTTP and are counted in /_stats', async (t) => {
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const server = await startTestServer(t, {
      faults: { rates: { any: 0.4 }, slowMs: 5 },
      faultSeed: 1234,
    });
    const seen = await scriptedRequests(server);
    // /_stats is never faulted, whatever the rate.
    const statsResponse = await fetch(`${server.url}/_stats`, {
      headers: { Authorization: basic(ME) },
    });
    assert.equal(statsResponse.status, 200);
    // Without an account there is nothing to see.
    assert.equal((await fetch(`${server.url}/_stats`)).status, 401);
    runs.push({ seen, stats: server.stats() });
  }
  const [a, b] = runs;
  assert.deepEqual(a!.seen, b!.seen);
  assert.deepEqual(a!.stats.faultLog, b!.stats.faultLog);
  assert.ok(a!.stats.faultLog.length > 5);
  assert.equal(a!.stats.faultSeed, 1234);
  assert.equal(a!.stats.requestsTotal, 40);
  const counted = Object.values(a!.stats.faults).reduce((x, y) => x + y, 0);
  assert.equal(counted, a!.stats.faultLog.length);
  // What the client saw matches what the server says it injected.
  for (const fault of a!.stats.faultLog) {
    const expected = {
      '429': '429+retry',
      '500': '500',
      '503': '503',
      drop: 'dropped',
      slow: '200',
    }[fault.kind as '429'];
    assert.equal(a!.seen[fault.request - 1], expected);
  }
  assert.ok(a!.seen.includes('429+retry') && a!.seen.includes('dropped'));
});

void test('truncate sends the full Content-Length but half the bytes; Range resumes the rest', async (t) => {
  const server = await startTestServer(t);
  await push(
    server,
    scriptPush('big-output', "open('big.bin','wb').write(bytes(range(256)) * 64)"),
  );
  await waitForEnd(server, 'big-output');
  const { files } = await listAllOutput(server, 'big-output', 20);
  const url = files[0]!.url;

  server.setFaults('truncate=1', 1);
  const response = await fetch(url);
  assert.equal(response.headers.get('content-length'), '16384');
  const chunks: Uint8Array[] = [];
  const reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  let failed = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch {
    failed = true;
  }
  const got = Buffer.concat(chunks);
  assert.equal(failed, true);
  assert.equal(got.length, 8192);

  server.setFaults(undefined);
  const rest = await fetch(url, { headers: { Range: `bytes=${got.length}-` } });
  assert.equal(rest.status, 206);
  const whole = Buffer.concat([got, Buffer.from(await rest.arrayBuffer())]);
  assert.deepEqual(whole, Buffer.from(Array.from({ length: 16384 }, (_, i) => i % 256)));
  assert.equal(server.stats().faults.truncate, 1);
});

void test('status404 answers 404 to the first status calls after a push; queue holds it QUEUED', async (t) => {
  const server = await startTestServer(t);
  server.setFaults({ rates: { status404: 1 }, status404Count: 2 }, 5);
  await push(server, scriptPush('phantom-404', 'print(1)'));
  const statusOf = () =>
    rpc(server, 'GetKernelSessionStatus', { userName: 'me', kernelSlug: 'phantom-404' });
  assert.equal((await statusOf()).status, 404);
  assert.equal((await statusOf()).status, 404);
  assert.equal((await statusOf()).status, 200);
  assert.deepEqual(await waitForEnd(server, 'phantom-404'), { status: 'COMPLETE' });

  server.setFaults({ rates: { queue: 1 }, queueDelayMs: 1500 }, 5);
  await push(server, scriptPush('slow-queue', 'print(1)'));
  const queued = await rpc(server, 'GetKernelSessionStatus', {
    userName: 'me',
    kernelSlug: 'slow-queue',
  });
  assert.deepEqual(queued.body, { status: 'QUEUED' });
  assert.equal(server.stats().sessionsQueued, 1);
  // The live log waits through the queue, then streams.
  const logs = await fetch(`${server.url}/v1/kernels/logs/stream/me/slow-queue`, {
    headers: { Authorization: basic(ME) },
  });
  assert.match(logs.headers.get('content-type') ?? '', /event-stream/);
  assert.match(await logs.text(), /"data":"1\\n"\}\n\ndata: END_OF_LOG\n\n$/);
  assert.deepEqual(await waitForEnd(server, 'slow-queue'), { status: 'COMPLETE' });
  const stats = server.stats();
  assert.equal(stats.faults.status404, 1);
  assert.equal(stats.faults.queue, 1);
});
