// Zip and tar archives uploaded to a dataset are unpacked as Kaggle unpacks them: kernels and
// ListDatasetFiles see `data/...` where `data.zip` was uploaded; an archive with an entry
// outside its folder is refused and nothing of the version is kept.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
  assert.equal(created.status, 400);
  assert.match(
    JSON.stringify(created.body),
    /The archive evil\.zip .*(outside its folder|invalid relative path: \.\.\/evil\.txt)/,
  );
  const found = await rpc(
    server,
    'ListDatasetFiles',
    { ownerSlug: 'me', datasetSlug: 'evil' },
    datasets,
  );
  assert.notEqual(found.status, 200);
});
