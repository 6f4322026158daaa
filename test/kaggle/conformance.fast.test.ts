// Conformance with the official CLI 2.2.3 on the wire. Every request the CLI was captured
// making (test/fixtures/official-cli-requests.jsonl, copied from shared/kaggle) is replayed
// through our client, driven with the captured inputs, against a recording server mounted
// under /api (the CLI's LOCALHOST layout). Method, path, body keys (in order) and values, and
// the headers that matter must be the same. A capture the client does not issue would have to
// be listed by name in `notImplemented`, so a new one can never be skipped silently.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connectKaggle } from '../../src/kaggle/client.js';
import { resolveEndpoint, rpcUrl } from '../../src/kaggle/endpoint.js';
import { acceleratorFields } from '../../src/kaggle/kernels.js';
import type { SaveKernelRequest } from '../../src/kaggle/kernels.js';
import { json, recordingSleep, sendJson, startServer } from './helpers/fake-server.js';
import type { Handler } from './helpers/fake-server.js';
import {
  assertSameRequest,
  clientAsCaptured,
  capturedKey,
  readCaptured,
  type Captured,
} from './helpers/captured-requests.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { CreateDatasetRequest } from '../../src/kaggle/datasets.js';
import { tmpdir } from 'node:os';

const captured = readCaptured('official-cli-requests.jsonl');

const notImplemented = new Set<string>([]);
const keyOf = capturedKey;
const expected = captured.filter((c) => !notImplemented.has(keyOf(c)));
// The dataset zip is the file a DownloadDataset redirected to.
const isDatasetCall = (c: Captured) =>
  /datasets\.|blobs\.|^\/upload\/|^\/files\/dataset\.zip$/.test(c.raw_path);
const kernelCalls = expected.filter((c) => !isDatasetCall(c));
const datasetCalls = expected.filter(isDatasetCall);

const kernels = (m: string) => `POST /api/v1/kernels.KernelsApiService/${m}`;

void test('the capture holds what this test expects', () => {
  assert.equal(captured.length, 22);
  assert.equal(expected.length, 22);
  assert.equal(kernelCalls.length, 13);
});

void test('RPC paths under KAGGLE_API_ENVIRONMENT=LOCALHOST are the captured ones', () => {
  const base = resolveEndpoint({ env: { KAGGLE_API_ENVIRONMENT: 'LOCALHOST' } }).base;
  for (const c of expected.filter((x) => x.method === 'POST')) {
    const [, service, method] = /^\/api\/v1\/([^/]+)\/([^/]+)$/.exec(c.raw_path) ?? [];
    assert.ok(service && method, c.raw_path);
    const url = new URL(rpcUrl(base, service, method));
    assert.equal(url.host, 'localhost');
    assert.equal(url.pathname, c.raw_path);
  }
});

void test('every captured kernel/auth request is issued identically by our client', async () => {
  const file: Handler = (_r, res) => void res.writeHead(200).end('data');
  const home = await mkdtemp(join(tmpdir(), 'kr-conf-'));
  let fileBase = '';
  const server = await startServer({
    [kernels('GetKernelSessionStatus')]: json({ status: 'COMPLETE' }),
    [kernels('SaveKernel')]: json({ ref: 'me/my-test-kernel', url: 'https://k', versionNumber: 1 }),
    [kernels('ListKernelSessionOutput')]: (_r, res) =>
      void res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          files: [
            { fileName: 'submission.csv', url: `${fileBase}/files/submission.csv` },
            { fileName: 'sub/dir/model.txt', url: `${fileBase}/files/sub/dir/model.txt` },
          ],
          log: '[]',
        }),
      ),
    'GET /files/submission.csv': file,
    'GET /files/sub/dir/model.txt': file,
    [kernels('GetKernel')]: json({ metadata: { ref: 'me/my-test-kernel' } }),
    [kernels('ListKernels')]: json({ kernels: [] }),
    [kernels('ListKernelFiles')]: json({ files: [] }),
    'GET /api/v1/kernels/logs/stream/me/my-test-kernel': (_r, res) =>
      void res.writeHead(200, { 'Content-Type': 'text/event-stream' }).end('data: END_OF_LOG\n\n'),
    [kernels('DeleteKernel')]: json({}),
    [kernels('GetAcceleratorQuotaStatistics')]: json({}),
    'POST /api/v1/security.OAuthService/IntrospectToken': json({
      active: true,
      username: 'tokenuser',
    }),
  });
  fileBase = server.url;
  try {
    const common = { endpoint: `${server.url}/api`, home, sleep: recordingSleep().sleep };
    // Drive the client with the captured inputs: legacy key me / 0123456789abcdef.
    const client = await connectKaggle({
      ...common,
      env: { KAGGLE_USERNAME: 'me', KAGGLE_KEY: '0123456789abcdef' },
    });
    const api = client.kernels;
    await api.getKernelSessionStatus('me', 'my-test-kernel');

    // The push of `kaggle kernels push -p k1 --accelerator NvidiaTeslaP100 -t 3600`, fields
    // given in scrambled order so the wire order has to come from the client.
    const push = JSON.parse(kernelCalls[1]?.body ?? '{}') as SaveKernelRequest;
    const scrambled = Object.fromEntries(Object.entries(push).reverse()) as SaveKernelRequest;
    await api.saveKernel({ ...scrambled, ...acceleratorFields('p100') });

    const listing = await api.listKernelSessionOutput('me', 'my-test-kernel');
    for (const f of listing.files) await api.downloadFile(f.url, join(home, 'out', f.fileName));
    await api.getKernel('me', 'my-test-kernel');
    await api.listKernels({ group: 'PROFILE', pageSize: 5 });
    await api.listKernelFiles('me', 'my-test-kernel');
    const log = client.streamLog('me', 'my-test-kernel');
    while (!(await log.next()).done);
    await api.deleteKernel('me', 'my-test-kernel');
    await api.getAcceleratorQuotaStatistics();

    const tokenClient = await connectKaggle({
      ...common,
      env: { KAGGLE_API_TOKEN: 'KGAT_example' },
    });
    await tokenClient.kernels.getKernelSessionStatus(tokenClient.username, 'my-test-kernel');

    assert.equal(server.requests.length, kernelCalls.length);
    kernelCalls.forEach((want, i) => assertSameRequest(want, server.requests[i]));
  } finally {
    await server.close();
    await rm(home, { recursive: true, force: true });
  }
});

void test('every captured dataset request is issued identically by our client', async () => {
  const home = await mkdtemp(join(tmpdir(), 'kr-conf-'));
  const datasets = (m: string) => `POST /api/v1/datasets.DatasetApiService/${m}`;
  let uploadBase = '';
  const server = await startServer({
    // The CLI's pre-check: a 404 means the slug is free.
    [datasets('GetDatasetStatus')]: [
      json({ code: 404, message: 'Not found' }, 404),
      json({ status: 'READY' }),
    ],
    'POST /api/v1/blobs.BlobApiService/StartBlobUpload': (_r, res) =>
      sendJson(res, 200, { token: 'blobtok-data.csv', createUrl: `${uploadBase}/upload/data.csv` }),
    'PUT /upload/data.csv': (_r, res) => void res.writeHead(200).end('{}'),
    [datasets('CreateDataset')]: json({ ref: 'me/my-dataset-x', url: 'https://d', status: 'ok' }),
    [datasets('ListDatasetFiles')]: json({ datasetFiles: [] }),
    // `kaggle datasets download`: the license from the metadata, then a redirect to the file.
    [datasets('GetDatasetMetadata')]: json({ info: { licenses: [{ name: 'CC0-1.0' }] } }),
    [datasets('DownloadDataset')]: (_r, res) =>
      void res.writeHead(302, { Location: `${uploadBase}/files/dataset.zip` }).end(),
    'GET /files/dataset.zip': (_r, res) => void res.writeHead(200).end('zip bytes'),
  });
  uploadBase = server.url;
  try {
    const client = await clientAsCaptured(server, home);
    const api = client.datasets;
    await assert.rejects(api.getDatasetStatus('me', 'my-dataset-x'), /404|not found/i);
    const file = join(home, 'data.csv');
    await writeFile(file, 'a,b\n1,2\n');
    const upload = await api.uploadFile(file, { lastModifiedEpochSeconds: 1795423773 });
    assert.equal(upload.token, 'blobtok-data.csv');
    const create = JSON.parse(
      datasetCalls.find((c) => c.raw_path.endsWith('/CreateDataset'))?.body ?? '{}',
    ) as CreateDatasetRequest;
    // Scrambled so the wire order has to come from the client.
    await api.createDataset(Object.fromEntries(Object.entries(create).reverse()) as never);
    assert.equal(await api.getDatasetStatus('me', 'my-dataset-x'), 'READY');
    await api.listDatasetFiles('me', 'my-dataset-x');
    await api.getDatasetMetadata('me', 'my-dataset-x');
    await api.downloadDataset('me', 'my-dataset-x', join(home, 'download'));

    assert.equal(server.requests.length, datasetCalls.length);
    datasetCalls.forEach((want, i) => assertSameRequest(want, server.requests[i]));
  } finally {
    await server.close();
    await rm(home, { recursive: true, force: true });
  }
});
