// The server's dataset side with raw HTTP: the resumable upload protocol, auth, persistence
// across a restart, nested directories, and datasets mounted under
// input/datasets/<owner>/<slug>/ for kernels
// that name them (READY versions only).

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  LIST_INPUT,
  OTHER,
  basic,
  kernelStdout,
  listAllOutput,
  push,
  rpc,
  scriptPush,
  startTestServer,
  tempDir,
  waitForEnd,
} from './helpers.js';
import { blobs, createDataset, datasets, put } from './dataset-helpers.js';

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

void test('a kernel naming a dataset sees its latest files under input/datasets/<owner>/<slug>/', async (t) => {
  const server = await startTestServer(t, { datasetReadyDelayMs: 0 });
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
      "import os\nprint(open(os.path.join(os.environ['KAGGLE_RUN_INPUT_DIR'], 'datasets', 'me', 'my-inputs', 'data.csv')).read().strip())",
      { datasetDataSources: ['me/my-inputs'] },
    ),
  );
  assert.deepEqual(await waitForEnd(server, 'reads-dataset'), { status: 'COMPLETE' });
  const { pages } = await listAllOutput(server, 'reads-dataset', 20);
  assert.match(pages[0]?.log as string, /"data":"new\\n"/);

  // Unknown datasets and another user's private one do not stop the push, as on Kaggle: the
  // version runs with what was found and the answer lists the rest, with no error.
  await createDataset(server, 'theirs', { 'b.txt': 'b' }, OTHER);
  const partial = await rpc(
    server,
    'SaveKernel',
    scriptPush('bad-sources', LIST_INPUT, {
      datasetDataSources: ['me/no-such-data', 'other/theirs', 'me/my-inputs'],
    }),
  );
  assert.equal(partial.status, 200);
  assert.deepEqual(partial.body.invalidDatasetSources, ['me/no-such-data', 'other/theirs']);
  assert.equal(partial.body.error, undefined);
  assert.equal(partial.body.versionNumber, 1);
  assert.deepEqual(await waitForEnd(server, 'bad-sources'), { status: 'COMPLETE' });
  assert.equal(
    (await kernelStdout(server, 'bad-sources')).trim(),
    'datasets/me/my-inputs/data.csv=new',
  );
  // The kernel's metadata names only what is attached.
  const pulled = await rpc(server, 'GetKernel', { userName: 'me', kernelSlug: 'bad-sources' });
  const metadata = pulled.body.metadata as Record<string, unknown>;
  assert.deepEqual(metadata.datasetDataSources, ['me/my-inputs']);
});

/** Uploads `content` as blob `name`; its token. */
async function upload(server: { url: string }, name: string, content: string): Promise<string> {
  const started = await rpc(
    server,
    'StartBlobUpload',
    { type: 'DATASET', name, contentLength: Buffer.byteLength(content) },
    blobs,
  );
  assert.equal((await put(started.body.createUrl as string, content)).status, 200);
  return started.body.token as string;
}

void test('directories place files at their folder paths, listed and mounted there', async (t) => {
  const server = await startTestServer(t, { datasetReadyDelayMs: 0 });
  const created = await rpc(
    server,
    'CreateDataset',
    {
      ownerSlug: 'me',
      slug: 'nested',
      title: 'nested',
      isPrivate: true,
      files: [{ token: await upload(server, 'top.txt', 'top') }],
      directories: [
        {
          name: 'sub',
          files: [{ token: await upload(server, 'a.txt', 'a') }],
          directories: [{ name: 'dir', files: [{ token: await upload(server, 'b.csv', 'b') }] }],
        },
        // The same blob name in another folder is another file.
        { name: 'other', files: [{ token: await upload(server, 'a.txt', 'other a') }] },
      ],
    },
    datasets,
  );
  assert.equal(created.body.status, 'Ok', JSON.stringify(created.body));
  const listed = await rpc(
    server,
    'ListDatasetFiles',
    { ownerSlug: 'me', datasetSlug: 'nested', pageSize: 20 },
    datasets,
  );
  const files = listed.body.datasetFiles as Record<string, unknown>[];
  assert.deepEqual(
    files.map((f) => [f.name, f.fileType, f.totalBytes]),
    [
      ['top.txt', 'txt', 3],
      ['sub/a.txt', 'txt', 1],
      ['sub/dir/b.csv', 'csv', 1],
      ['other/a.txt', 'txt', 7],
    ],
  );

  // A version made of directories only.
  const version = await rpc(
    server,
    'CreateDatasetVersion',
    {
      ownerSlug: 'me',
      datasetSlug: 'nested',
      body: {
        directories: [
          {
            name: 'v2',
            directories: [{ name: 'deep', files: [{ token: await upload(server, 'c.txt', 'c') }] }],
          },
        ],
      },
    },
    datasets,
  );
  assert.equal(version.body.status, 'Ok', JSON.stringify(version.body));
  await push(
    server,
    scriptPush('lists-nested', LIST_INPUT, { datasetDataSources: ['me/nested/1', 'me/nested'] }),
  );
  assert.deepEqual(await waitForEnd(server, 'lists-nested'), { status: 'COMPLETE' });
  // Both versions mount at one folder, as two versions of one dataset do on Kaggle.
  assert.deepEqual((await kernelStdout(server, 'lists-nested')).trim().split('\n'), [
    'datasets/me/nested/other/a.txt=other a',
    'datasets/me/nested/sub/a.txt=a',
    'datasets/me/nested/sub/dir/b.csv=b',
    'datasets/me/nested/top.txt=top',
    'datasets/me/nested/v2/deep/c.txt=c',
  ]);

  const refusals: [unknown, RegExp][] = [
    [
      [{ name: '..', files: [{ token: await upload(server, 'x.txt', 'x') }] }],
      /Invalid directory name "\.\."/,
    ],
    [
      [{ name: 'a/b', files: [{ token: await upload(server, 'x.txt', 'x') }] }],
      /Invalid directory name/,
    ],
    [
      [{ name: '.hidden', files: [{ token: await upload(server, 'x.txt', 'x') }] }],
      /Invalid directory name/,
    ],
    [[{ name: 'empty' }], /at least one file/],
    [
      [
        { name: 'd', files: [{ token: await upload(server, 'x.txt', 'x') }] },
        { name: 'd', files: [{ token: await upload(server, 'x.txt', 'y') }] },
      ],
      /Two files are named d\/x\.txt/,
    ],
  ];
  for (const [directories, error] of refusals) {
    const refused = await rpc(
      server,
      'CreateDatasetVersion',
      { ownerSlug: 'me', datasetSlug: 'nested', body: { directories } },
      datasets,
    );
    assert.equal(refused.status, 200);
    assert.match(refused.body.error as string, error);
  }
  const clash = await upload(server, 'sub', 'file named like a folder');
  const both = await rpc(
    server,
    'CreateDatasetVersion',
    {
      ownerSlug: 'me',
      datasetSlug: 'nested',
      body: {
        files: [{ token: clash }],
        directories: [{ name: 'sub', files: [{ token: await upload(server, 'z.txt', 'z') }] }],
      },
    },
    datasets,
  );
  assert.match(both.body.error as string, /sub is both a file and a folder/);
});

void test('kernels attach only READY versions: the previous one while the newest processes', async (t) => {
  let clock = Date.now();
  const server = await startTestServer(t, { datasetReadyDelayMs: 10_000, now: () => clock });
  await createDataset(server, 'slow-data', { 'v.txt': 'one' });
  const attach = (slug: string, ref: string) =>
    rpc(server, 'SaveKernel', scriptPush(slug, LIST_INPUT, { datasetDataSources: [ref] }));

  // No version is READY yet: there is nothing to attach.
  const none = await attach('too-early', 'me/slow-data');
  assert.deepEqual(none.body.invalidDatasetSources, ['me/slow-data']);

  clock += 10_000;
  const v2 = await rpc(
    server,
    'CreateDatasetVersion',
    {
      ownerSlug: 'me',
      datasetSlug: 'slow-data',
      body: { files: [{ token: await upload(server, 'v.txt', 'two') }] },
    },
    datasets,
  );
  assert.equal(v2.body.status, 'Ok');
  const status = await rpc(
    server,
    'GetDatasetStatus',
    { ownerSlug: 'me', datasetSlug: 'slow-data' },
    datasets,
  );
  assert.equal(status.body.status, 'BLOBS_RECEIVED');

  // Without a version: the newest READY one, i.e. stale data.
  assert.equal((await attach('stale-read', 'me/slow-data')).body.error, undefined);
  assert.deepEqual(await waitForEnd(server, 'stale-read'), { status: 'COMPLETE' });
  assert.equal(
    (await kernelStdout(server, 'stale-read')).trim(),
    'datasets/me/slow-data/v.txt=one',
  );
  // Naming the processing version is refused; naming the READY one works.
  const pinned = await attach('pinned-early', 'me/slow-data/2');
  assert.deepEqual(pinned.body.invalidDatasetSources, ['me/slow-data/2']);
  assert.equal((await attach('pinned-old', 'me/slow-data/1')).body.error, undefined);
  assert.deepEqual(await waitForEnd(server, 'pinned-old'), { status: 'COMPLETE' });

  // Once READY, both ways get the new files.
  clock += 10_000;
  assert.equal(
    (await rpc(server, 'GetDatasetStatus', { ownerSlug: 'me', datasetSlug: 'slow-data' }, datasets))
      .body.status,
    'READY',
  );
  assert.equal((await attach('fresh-read', 'me/slow-data')).body.error, undefined);
  assert.equal((await attach('fresh-pinned', 'me/slow-data/2')).body.error, undefined);
  for (const slug of ['fresh-read', 'fresh-pinned']) {
    assert.deepEqual(await waitForEnd(server, slug), { status: 'COMPLETE' });
    assert.equal((await kernelStdout(server, slug)).trim(), 'datasets/me/slow-data/v.txt=two');
  }
});
