// Zip and tar archives uploaded to a dataset are unpacked as Kaggle unpacks them, after
// CreateDataset answered (the version is BLOBS_RECEIVED meanwhile): kernels and
// ListDatasetFiles see `data/...` where `data.zip` was uploaded; an archive with an entry
// outside its folder makes the version FAILED and nothing of it is kept.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeZip, renameEntry } from '../harness/helpers.js';
import { blobs, datasets } from './dataset-helpers.js';
import {
  LIST_INPUT,
  basic,
  ME,
  kernelStdout,
  push,
  rpc,
  scriptPush,
  startTestServer,
  tempDir,
  waitForEnd,
} from './helpers.js';
import { waitUntil } from '../helpers/wait.js';

/** The dataset's status once its newest version is processed (READY or FAILED). */
function processed(server: { url: string }, slug: string): Promise<string> {
  return waitUntil(`${slug} processed`, async () => {
    const { body } = await rpc(
      server,
      'GetDatasetStatus',
      { ownerSlug: 'me', datasetSlug: slug },
      datasets,
    );
    const status = body.status as string;
    return status === 'READY' || status === 'FAILED' ? status : undefined;
  });
}

async function uploadBytes(server: { url: string }, name: string, data: Buffer): Promise<string> {
  const started = await rpc(
    server,
    'StartBlobUpload',
    { type: 'DATASET', name, contentLength: data.length },
    { ...blobs, auth: basic(ME) },
  );
  assert.equal(started.status, 200);
  const put = await fetch(started.body.createUrl as string, { method: 'PUT', body: data });
  assert.equal(put.status, 200);
  return started.body.token as string;
}

void test('zip and tar.gz uploads are unpacked into folders of their names, for listings and kernels', async (t) => {
  const server = await startTestServer(t, { datasetReadyDelayMs: 0 });
  const zip = await makeZip({ 'a.txt': 'from zip', 'sub/b.txt': 'nested' });
  const folder = await tempDir(t);
  await mkdir(join(folder, 'inner'), { recursive: true });
  await writeFile(join(folder, 'inner', 'c.txt'), 'from tar');
  await writeFile(join(folder, 'top.txt'), 'top');
  const tgz = join(folder, 'more.tar.gz');
  execFileSync('tar', ['czf', tgz, '-C', folder, 'inner', 'top.txt']);
  const files = [
    { token: await uploadBytes(server, 'data.zip', zip) },
    { token: await uploadBytes(server, 'more.tar.gz', await readFile(tgz)) },
    { token: await uploadBytes(server, 'plain.csv', Buffer.from('x\n1\n')) },
  ];
  const created = await rpc(
    server,
    'CreateDataset',
    { ownerSlug: 'me', slug: 'archives', title: 'archives', isPrivate: true, files },
    datasets,
  );
  assert.equal(created.body.status, 'Ok', JSON.stringify(created.body));
  assert.equal(await processed(server, 'archives'), 'READY');

  const listed = await rpc(
    server,
    'ListDatasetFiles',
    { ownerSlug: 'me', datasetSlug: 'archives' },
    datasets,
  );
  const names = (listed.body.datasetFiles as { name: string }[]).map((f) => f.name).sort();
  assert.deepEqual(names, [
    'data/a.txt',
    'data/sub/b.txt',
    'more/inner/c.txt',
    'more/top.txt',
    'plain.csv',
  ]);

  await push(
    server,
    scriptPush('reads-archives', LIST_INPUT, { datasetDataSources: ['me/archives'] }),
  );
  assert.deepEqual(await waitForEnd(server, 'reads-archives'), { status: 'COMPLETE' });
  assert.deepEqual(
    (await kernelStdout(server, 'reads-archives')).trim().split('\n'),
    [
      'datasets/me/archives/data/a.txt=from zip',
      'datasets/me/archives/data/sub/b.txt=nested',
      'datasets/me/archives/more/inner/c.txt=from tar',
      'datasets/me/archives/more/top.txt=top',
      'datasets/me/archives/plain.csv=x\n1',
    ]
      .join('\n')
      .split('\n'),
  );
});

void test('an archive with an entry outside its folder is refused, and nothing of it is kept', async (t) => {
  const server = await startTestServer(t, { datasetReadyDelayMs: 0 });
  const evil = renameEntry(
    await makeZip({ 'xx/evil.txt': 'escaped' }),
    'xx/evil.txt',
    '../evil.txt',
  );
  const created = await rpc(
    server,
    'CreateDataset',
    {
      ownerSlug: 'me',
      slug: 'evil',
      title: 'evil',
      isPrivate: true,
      files: [{ token: await uploadBytes(server, 'evil.zip', evil) }],
    },
    datasets,
  );
  // Answered before the archive is read, as Kaggle answers; the version then fails.
  assert.equal(created.body.status, 'Ok', JSON.stringify(created.body));
  assert.equal(await processed(server, 'evil'), 'FAILED');
  const record = server.datasetStore.get('me', 'evil');
  assert.match(
    record?.versions[0]?.failure ?? '',
    /The archive evil\.zip .*(outside its folder|invalid relative path: \.\.\/evil\.txt)/,
  );
  assert.equal(existsSync(join(server.dataDir, 'datasets', 'me', 'evil', '1')), false);
  const found = await rpc(
    server,
    'ListDatasetFiles',
    { ownerSlug: 'me', datasetSlug: 'evil' },
    datasets,
  );
  assert.deepEqual(found.body.datasetFiles, []);
});

void test('CreateDataset answers before its archive is unpacked: BLOBS_RECEIVED, unreadable until READY, then whole', async (t) => {
  const server = await startTestServer(t, { datasetReadyDelayMs: 0 });
  let release = () => undefined as void;
  server.datasetStore.holdUnpacking = new Promise<void>((done) => (release = done));
  const zip = await makeZip({ 'a.txt': 'one', 'b/c.txt': 'two' });
  const created = await rpc(
    server,
    'CreateDataset',
    {
      ownerSlug: 'me',
      slug: 'held',
      title: 'held',
      isPrivate: true,
      files: [{ token: await uploadBytes(server, 'data.zip', zip) }],
    },
    datasets,
  );
  assert.equal(created.body.status, 'Ok', JSON.stringify(created.body));
  const status = await rpc(
    server,
    'GetDatasetStatus',
    { ownerSlug: 'me', datasetSlug: 'held' },
    datasets,
  );
  assert.equal(status.body.status, 'BLOBS_RECEIVED');
  // Nothing of the archive is listed or readable until it is unpacked whole.
  const early = await rpc(
    server,
    'ListDatasetFiles',
    { ownerSlug: 'me', datasetSlug: 'held' },
    datasets,
  );
  assert.deepEqual(early.body.datasetFiles, []);
  const summary = await rpc(
    server,
    'GetDatasetFilesSummary',
    { ownerSlug: 'me', datasetSlug: 'held' },
    datasets,
  );
  assert.equal(summary.status, 404);
  assert.match(JSON.stringify(summary.body), /no processed version yet/);
  release();
  assert.equal(await processed(server, 'held'), 'READY');
  const listed = await rpc(
    server,
    'ListDatasetFiles',
    { ownerSlug: 'me', datasetSlug: 'held' },
    datasets,
  );
  const names = (listed.body.datasetFiles as { name: string }[]).map((f) => f.name).sort();
  assert.deepEqual(names, ['data/a.txt', 'data/b/c.txt']);
});

void test('a version a stopped server was still unpacking is FAILED when the next server opens the data folder', async (t) => {
  const dataDir = await tempDir(t);
  const first = await startTestServer(t, { datasetReadyDelayMs: 0, dataDir });
  const created = await rpc(
    first,
    'CreateDataset',
    {
      ownerSlug: 'me',
      slug: 'cut',
      title: 'cut',
      isPrivate: true,
      files: [{ token: await uploadBytes(first, 'data.zip', await makeZip({ 'a.txt': 'x' })) }],
    },
    datasets,
  );
  assert.equal(created.body.status, 'Ok');
  assert.equal(await processed(first, 'cut'), 'READY');
  await first.close();
  // As the record is while an unpack runs: what a server killed mid-way leaves.
  const path = join(dataDir, 'datasets', 'me', 'cut', 'dataset.json');
  const record = JSON.parse(await readFile(path, 'utf8')) as { versions: { processing?: true }[] };
  record.versions[0]!.processing = true;
  await writeFile(path, JSON.stringify(record));
  const second = await startTestServer(t, { datasetReadyDelayMs: 0, dataDir });
  const status = await rpc(
    second,
    'GetDatasetStatus',
    { ownerSlug: 'me', datasetSlug: 'cut' },
    datasets,
  );
  assert.equal(status.body.status, 'FAILED');
  assert.match(
    second.datasetStore.get('me', 'cut')?.versions[0]?.failure ?? '',
    /stopped while it was unpacking/,
  );
});
