// The server's dataset side with raw HTTP: the resumable upload protocol, auth, persistence
// across a restart, and datasets mounted under input/<slug>/ for kernels that name them.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  ME,
  OTHER,
  basic,
  listAllOutput,
  push,
  rpc,
  scriptPush,
  startTestServer,
  tempDir,
  waitForEnd,
} from './helpers.js';

const blobs = { service: 'blobs.BlobApiService' };
const datasets = { service: 'datasets.DatasetApiService' };

function put(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'PUT', body, headers });
}

/** StartBlobUpload + one PUT of `content` + CreateDataset, as `account`. */
async function createDataset(
  server: { url: string },
  slug: string,
  files: Record<string, string>,
  account: { username: string; key: string } = ME,
  extra: Record<string, unknown> = {},
) {
  const tokens = [];
  for (const [name, content] of Object.entries(files)) {
    const started = await rpc(
      server,
      'StartBlobUpload',
      { type: 'DATASET', name, contentLength: Buffer.byteLength(content) },
      { ...blobs, auth: basic(account) },
    );
    assert.equal(started.status, 200);
    const answer = await put(started.body.createUrl as string, content);
    assert.equal(answer.status, 200);
    tokens.push({ token: started.body.token as string });
  }
  const created = await rpc(
    server,
    'CreateDataset',
    { ownerSlug: account.username, slug, title: slug, isPrivate: true, files: tokens, ...extra },
    { ...datasets, auth: basic(account) },
  );
  assert.equal(created.status, 200);
  assert.equal(created.body.status, 'Ok', JSON.stringify(created.body));
}

void test('the upload URL speaks the resumable protocol without credentials', async (t) => {
  const server = await startTestServer(t);
  const started = await rpc(
    server,
    'StartBlobUpload',
    { type: 'DATASET', name: 'data.csv', contentLength: 10, lastModifiedEpochSeconds: 1 },
    blobs,
  );
  const url = started.body.createUrl as string;
  assert.ok(url.startsWith(`${server.url}/upload/`), url);
  assert.match(started.body.token as string, /^blob-/);

  const probe = (): Promise<Response> =>
    put(url, '', { 'Content-Range': 'bytes */10', 'Content-Length': '0' });
  const empty = await probe();
  assert.equal(empty.status, 308);
  assert.equal(empty.headers.get('range'), null);

  // Part of the file, as a resume would send it: 308 with what the server holds.
  const part = await put(url, 'abcd', { 'Content-Range': 'bytes 0-3/10' });
  assert.equal(part.status, 308);
  assert.equal(part.headers.get('range'), 'bytes=0-3');
  assert.equal((await probe()).headers.get('range'), 'bytes=0-3');
  // A gap is refused with where the server is.
  const gap = await put(url, 'ij', { 'Content-Range': 'bytes 8-9/10' });
  assert.equal(gap.status, 308);
  assert.equal(gap.headers.get('range'), 'bytes=0-3');
  const rest = await put(url, 'efghij', { 'Content-Range': 'bytes 4-9/10' });
  assert.equal(rest.status, 200);
  assert.equal((await probe()).status, 200);
  assert.equal(server.stats().bytesUploaded, 10);

  const tooLong = await put(url, 'x'.repeat(11));
  assert.equal(tooLong.status, 400);
  const wrongTotal = await put(url, '', { 'Content-Range': 'bytes */11' });
  assert.equal(wrongTotal.status, 400);
  assert.equal((await put(`${server.url}/upload/nope`, 'x')).status, 404);
  assert.equal((await fetch(url)).status, 405);

  const anonymous = await rpc(
    server,
    'StartBlobUpload',
    { name: 'a', contentLength: 1 },
    {
      ...blobs,
      auth: null,
    },
  );
  assert.equal(anonymous.status, 401);
});

void test('datasets survive a restart and stay private to their owner', async (t: TestContext) => {
  const dataDir = await tempDir(t);
  const first = await startTestServer(t, { dataDir, datasetReadyDelayMs: 0 });
  await createDataset(first, 'kept', { 'a.csv': 'x,y\n1,2\n' });
  await first.close();
  const server = await startTestServer(t, { dataDir, datasetReadyDelayMs: 0 });
  const status = await rpc(
    server,
    'GetDatasetStatus',
    { ownerSlug: 'me', datasetSlug: 'kept' },
    datasets,
  );
  assert.deepEqual(status.body, { status: 'READY' });
  const listed = await rpc(
    server,
    'ListDatasetFiles',
    { ownerSlug: 'me', datasetSlug: 'kept', pageSize: 20 },
    datasets,
  );
  const files = listed.body.datasetFiles as Record<string, unknown>[];
  assert.deepEqual(
    files.map((f) => [f.name, f.totalBytes]),
    [['a.csv', 8]],
  );
  const hidden = await rpc(
    server,
    'GetDatasetStatus',
    { ownerSlug: 'me', datasetSlug: 'kept' },
    { ...datasets, auth: basic(OTHER) },
  );
  assert.equal(hidden.status, 404);
  const notOwner = await rpc(
    server,
    'CreateDatasetVersion',
    { ownerSlug: 'me', datasetSlug: 'kept', body: { files: [] } },
    { ...datasets, auth: basic(OTHER) },
  );
  assert.equal(notOwner.status, 404);
});

void test('a kernel naming a dataset sees its latest files under input/<slug>/', async (t) => {
  const server = await startTestServer(t);
  await createDataset(server, 'my-inputs', { 'data.csv': 'old\n' });
  // The second version replaces the first: the kernel must see this one.
  const started = await rpc(
    server,
    'StartBlobUpload',
    { type: 'DATASET', name: 'data.csv', contentLength: 4 },
    blobs,
  );
  assert.equal((await put(started.body.createUrl as string, 'new\n')).status, 200);
  const version = await rpc(
    server,
    'CreateDatasetVersion',
    {
      ownerSlug: 'me',
      datasetSlug: 'my-inputs',
      body: { versionNotes: 'v2', files: [{ token: started.body.token }] },
    },
    datasets,
  );
  assert.equal(version.body.status, 'Ok');

  await push(
    server,
    scriptPush(
      'reads-dataset',
      "import os\nprint(open(os.path.join(os.environ['KAGGLE_RUN_INPUT_DIR'], 'my-inputs', 'data.csv')).read().strip())",
      { datasetDataSources: ['me/my-inputs'] },
    ),
  );
  assert.deepEqual(await waitForEnd(server, 'reads-dataset'), { status: 'COMPLETE' });
  const { pages } = await listAllOutput(server, 'reads-dataset', 20);
  assert.match(pages[0]?.log as string, /"data":"new\\n"/);

  // Unknown datasets and another user's private one are refused in the 200 body.
  await createDataset(server, 'theirs', { 'b.txt': 'b' }, OTHER);
  const refused = await rpc(
    server,
    'SaveKernel',
    scriptPush('bad-sources', 'print(1)', {
      datasetDataSources: ['me/no-such-data', 'other/theirs', 'me/my-inputs'],
    }),
  );
  assert.equal(refused.status, 200);
  assert.deepEqual(refused.body.invalidDatasetSources, ['me/no-such-data', 'other/theirs']);
  assert.match(refused.body.error as string, /me\/no-such-data/);
});
