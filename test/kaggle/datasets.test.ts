// The dataset client against the kaggle-run server over real HTTP: blob upload (whole,
// interrupted and resumed, expired and restarted), create, READY gating, listing, versions.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectKaggle, type KaggleClientOptions } from '../../src/kaggle/client.js';
import { PlatformError } from '../../src/errors.js';
import type { ServerHandle } from '../../src/server/server.js';
import { ME, startTestServer, tempDir } from '../server/helpers.js';
import { recordingSleep } from './helpers/fake-server.js';

const MB = 1024 * 1024;

async function setup(
  t: TestContext,
  serverOptions: Parameters<typeof startTestServer>[1] = {},
  clientOptions: KaggleClientOptions = {},
) {
  const server = await startTestServer(t, serverOptions);
  const dir = await tempDir(t);
  const client = await connectKaggle({
    endpoint: server.url,
    home: dir,
    env: { KAGGLE_USERNAME: ME.username, KAGGLE_KEY: ME.key },
    sleep: recordingSleep().sleep,
    ...clientOptions,
  });
  return { server, dir, client };
}

async function randomFile(dir: string, name: string, size: number) {
  const path = join(dir, name);
  const bytes = randomBytes(size);
  await writeFile(path, bytes);
  return { path, bytes };
}

function stored(server: ServerHandle, slug: string, version: number, name: string) {
  return readFile(join(server.dataDir, 'datasets', 'me', slug, String(version), name));
}

void test('upload, create, wait READY, list, then a new version', async (t) => {
  let clock = Date.now();
  const { server, dir, client } = await setup(t, {
    datasetReadyDelayMs: 5000,
    now: () => clock,
  });
  const file = await randomFile(dir, 'train.bin', 3 * MB + 17);
  const upload = await client.datasets.uploadFile(file.path);
  assert.equal(upload.bytesSent, file.bytes.length);
  assert.equal(upload.restarts, 0);
  assert.equal(server.stats().bytesUploaded, file.bytes.length);

  const created = await client.datasets.createDataset({
    ownerSlug: 'me',
    slug: 'my-data',
    title: 'My data',
    licenseName: 'CC0-1.0',
    files: [{ token: upload.token }],
  });
  assert.equal(created.ref, 'me/my-data');
  assert.equal(await client.datasets.getDatasetStatus('me', 'my-data'), 'BLOBS_RECEIVED');

  const slept: number[] = [];
  const ready = await client.datasets.waitUntilReady('me', 'my-data', {
    intervalMs: 2000,
    sleep: (ms) => {
      slept.push(ms);
      clock += ms;
      return Promise.resolve();
    },
  });
  assert.equal(ready, 'READY');
  assert.deepEqual(slept, [2000, 2000, 2000]);

  const files = await client.datasets.listDatasetFiles('me', 'my-data');
  assert.deepEqual(
    files.map((f) => [f.name, f.totalBytes]),
    [['train.bin', file.bytes.length]],
  );
  assert.ok((await stored(server, 'my-data', 1, 'train.bin')).equals(file.bytes));

  // A second version with other files replaces the listing, and is not READY at once.
  const a = await randomFile(dir, 'a.csv', 1000);
  const b = await randomFile(dir, 'b.bin', 2000);
  const tokens = [
    { token: (await client.datasets.uploadFile(a.path)).token },
    { token: (await client.datasets.uploadFile(b.path)).token },
  ];
  await client.datasets.createDatasetVersion('me', 'my-data', {
    versionNotes: 'v2',
    files: tokens,
  });
  assert.equal(await client.datasets.getDatasetStatus('me', 'my-data'), 'BLOBS_RECEIVED');
  const v2 = await client.datasets.listDatasetFiles('me', 'my-data', { pageSize: 1 });
  assert.deepEqual(v2.map((f) => f.name).sort(), ['a.csv', 'b.bin']);
  assert.ok((await stored(server, 'my-data', 2, 'b.bin')).equals(b.bytes));
  // An empty file is one PUT with no body.
  const empty = await randomFile(dir, 'empty.txt', 0);
  const emptyUpload = await client.datasets.uploadFile(empty.path);
  assert.equal(emptyUpload.bytesSent, 0);
  await client.datasets.createDatasetVersion('me', 'my-data', {
    files: [{ token: emptyUpload.token }],
  });
  assert.equal((await stored(server, 'my-data', 3, 'empty.txt')).length, 0);
  const v1 = await client.datasets.listDatasetFiles('me', 'my-data', { version: 1 });
  assert.deepEqual(
    v1.map((f) => f.name),
    ['train.bin'],
  );
});

void test('an upload cut half-way resumes from what the server kept', async (t) => {
  const { server, dir, client } = await setup(t);
  const file = await randomFile(dir, 'big.bin', 4 * MB);
  server.datasetStore.dropUploads = { bytes: 2 * MB + 5, drops: 2 };
  const upload = await client.datasets.uploadFile(file.path);
  assert.ok(upload.restarts >= 1, `restarts ${upload.restarts}`);
  assert.ok(upload.bytesSent < 2 * file.bytes.length, `sent ${upload.bytesSent}`);
  assert.ok(server.stats().bytesUploaded < 2 * file.bytes.length);
  assert.equal(server.datasetStore.dropUploads.drops, 0);
  await client.datasets.createDataset({
    ownerSlug: 'me',
    slug: 'resumed',
    title: 'Resumed',
    files: [{ token: upload.token }],
  });
  assert.ok((await stored(server, 'resumed', 1, 'big.bin')).equals(file.bytes));
});

void test('an expired upload URL starts over with a new upload', async (t) => {
  const late: { server?: ServerHandle } = {};
  let expired = 0;
  const ctx = await setup(
    t,
    {},
    {
      onRetry: () => {
        if (expired++ === 0) late.server?.datasetStore.expireUploads();
      },
    },
  );
  const server = ctx.server;
  late.server = server;
  const file = await randomFile(ctx.dir, 'e.bin', 2 * MB);
  server.datasetStore.dropUploads = { bytes: MB, drops: 1 };
  const upload = await ctx.client.datasets.uploadFile(file.path);
  assert.equal(server.stats().requests['blobs.BlobApiService/StartBlobUpload'], 2);
  // The server kept 1 MB of the first upload, then took the whole file again from byte 0.
  assert.equal(server.stats().bytesUploaded, MB + file.bytes.length);
  assert.ok(upload.bytesSent >= MB + file.bytes.length, `sent ${upload.bytesSent}`);
  await ctx.client.datasets.createDataset({
    ownerSlug: 'me',
    slug: 'expired',
    title: 'Expired',
    files: [{ token: upload.token }],
  });
  assert.ok((await stored(server, 'expired', 1, 'e.bin')).equals(file.bytes));
});

void test('503s and dropped connections on the upload are retried', async (t) => {
  const { server, dir, client } = await setup(t);
  const file = await randomFile(dir, 'flaky.bin', MB);
  // Seed 5 lets StartBlobUpload through, then answers the PUT 503 and drops the first probe.
  server.setFaults({ rates: { '503': 0.3, drop: 0.2 } }, 5);
  const upload = await client.datasets.uploadFile(file.path);
  server.setFaults(undefined, 0);
  assert.deepEqual(
    server.stats().faultLog.map((f) => `${f.route} ${f.kind}`),
    ['PUT /upload 503', 'PUT /upload drop'],
  );
  await client.datasets.createDataset({
    ownerSlug: 'me',
    slug: 'flaky',
    title: 'Flaky',
    files: [{ token: upload.token }],
  });
  assert.ok((await stored(server, 'flaky', 1, 'flaky.bin')).equals(file.bytes));
});

void test('refusals and waits that run out are clear errors', async (t) => {
  const { dir, client } = await setup(t, { datasetReadyDelayMs: 3_600_000 });
  const file = await randomFile(dir, 'x.csv', 10);
  const token = (await client.datasets.uploadFile(file.path)).token;
  await client.datasets.createDataset({
    ownerSlug: 'me',
    slug: 'taken',
    title: 'T',
    files: [{ token }],
  });
  const again = (await client.datasets.uploadFile(file.path)).token;
  await assert.rejects(
    client.datasets.createDataset({
      ownerSlug: 'me',
      slug: 'taken',
      title: 'T',
      files: [{ token: again }],
    }),
    (e: unknown) => e instanceof PlatformError && /CreateDataset: .*already in use/.test(e.message),
  );
  await assert.rejects(
    client.datasets.createDatasetVersion('me', 'taken', { files: [{ token: 'blob-nope' }] }),
    /Unknown blob token "blob-nope"/,
  );
  await assert.rejects(
    client.datasets.waitUntilReady('me', 'taken', { timeoutMs: 0 }),
    (e: unknown) =>
      e instanceof PlatformError && /not ready after 0 s \(still BLOBS_RECEIVED\)/.test(e.message),
  );
  await assert.rejects(client.datasets.getDatasetStatus('me', 'missing'), /not found/i);
});
