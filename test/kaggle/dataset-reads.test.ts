// The client side of the datasets reads: first every request the official CLI was captured
// sending for them (test/fixtures/official-cli-requests-datasets.jsonl) is issued identically
// by our client (body, key order, headers); then the same calls against a real kaggle-run
// server over HTTP: pages, metadata read back and changed, downloads that resume after a
// truncated body and arrive whole, `--unzip`, a version by id, folders and the summary.

import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { PlatformError } from '../../src/errors.js';
import { connectKaggle } from '../../src/kaggle/client.js';
import { createDataset, uploadBlob } from '../server/dataset-helpers.js';
import { ME, OTHER, startTestServer, tempDir } from '../server/helpers.js';
import { json, recordingSleep, sendJson, startServer } from './helpers/fake-server.js';
import type { Recorded } from './helpers/fake-server.js';
import { assertSameRequest, clientAsCaptured, readCaptured } from './helpers/captured-requests.js';

const captured = readCaptured('official-cli-requests-datasets.jsonl');

void test('every captured datasets request is issued identically by our client', async (t) => {
  const home = await tempDir(t);
  const datasets = (m: string) => `POST /api/v1/datasets.DatasetApiService/${m}`;
  const kernels = (m: string) => `POST /api/v1/kernels.KernelsApiService/${m}`;
  let base = '';
  const redirect = (path: string) => (_r: Recorded, res: ServerResponse) =>
    void res.writeHead(302, { Location: `${base}${path}` }).end();
  const server = await startServer({
    [datasets('ListDatasets')]: json({ datasets: [{ ref: 'me/fid-data' }] }),
    [datasets('DeleteDataset')]: json({}),
    [kernels('ListKernels')]: json({ kernels: [] }),
    [datasets('GetDatasetMetadata')]: json({
      info: { datasetId: 1, title: 'Fid', licenses: [{ name: 'CC0-1.0' }], data: [] },
    }),
    [datasets('UpdateDatasetMetadata')]: json({ errors: [] }),
    [datasets('DownloadDataset')]: [redirect('/files/readme.txt'), redirect('/files/fid-data.zip')],
    'GET /files/readme.txt': (_r, res) => void res.writeHead(200).end('read me\n'),
    'GET /files/fid-data.zip': (_r, res) => void res.writeHead(200).end('PK not unpacked'),
    [datasets('CreateDatasetVersionById')]: (_r, res) =>
      sendJson(res, 200, { ref: 'me/fid-data', url: 'https://d', status: 'Ok' }),
  });
  base = server.url;
  t.after(() => server.close());
  const client = await clientAsCaptured(server, home);
  const api = client.datasets;
  // In capture order, each with the inputs of the CLI command that sent it.
  await api.listDatasets({ sortBy: 'votes', maxPages: 1 }); // datasets list --sort-by votes
  await api.deleteDataset('me', 'kaggleapi-dataset-4d3b5a65'); // datasets delete
  await client.kernels.listKernels({
    user: 'stevemessick',
    language: 'python',
    sortBy: 'DATE_CREATED',
  });
  await client.kernels.listKernels({ user: 'stevemessick' });
  const meta = await api.getDatasetMetadata('me', 'fid-data'); // datasets metadata
  assert.equal(meta.datasetId, 1);
  await api.updateDatasetMetadata('me', 'fid-data', {
    title: 'Fid Data Set',
    subtitle: '',
    description: '',
    licenses: ['CC0-1.0'],
    userSpecifiedSources: '',
  }); // datasets metadata --update
  await api.listDatasets({ group: 'my', maxPages: 1 }); // datasets list -m
  await api.listDatasets({ search: 'fid', maxPages: 1 }); // datasets list -s fid
  const one = await api.downloadDataset('me', 'fid-data', home, { fileName: 'readme.txt' });
  assert.deepEqual(one.paths, [join(home, 'readme.txt')]);
  assert.equal(await readFile(join(home, 'readme.txt'), 'utf8'), 'read me\n');
  const whole = await api.downloadDataset('me', 'fid-data', home, { version: 1 });
  assert.deepEqual(whole.paths, [join(home, 'fid-data.zip')]);
  await api.createDatasetVersionById(1, {
    versionNotes: 'idno',
    files: [
      { token: 'blob-483f296357b8d33b3c64524c52146d29' },
      { token: 'blob-a2c649ab141d9e994ab518b0762bd96e' },
    ],
  }); // datasets version with id_no in the metadata

  const rpcs = server.requests.filter((r) => r.method === 'POST');
  assert.equal(rpcs.length, captured.length);
  captured.forEach((want, i) => assertSameRequest(want, rpcs[i]));
  // The file host gets no credentials.
  for (const r of server.requests.filter((r) => r.method === 'GET')) {
    assert.equal(r.headers.authorization, undefined, r.path);
  }
});

void test('the datasets reads against a kaggle-run server: pages, metadata, resumed downloads, unzip', async (t) => {
  const server = await startTestServer(t, { datasetReadyDelayMs: 0 });
  const home = await tempDir(t);
  const client = await connectKaggle({
    endpoint: server.url,
    home,
    sleep: recordingSleep().sleep,
    env: { KAGGLE_USERNAME: ME.username, KAGGLE_KEY: ME.key },
  });
  const api = client.datasets;
  const body = 'line of data\n'.repeat(4000);
  await createDataset(server, 'client-data', { 'big.csv': body, 'note.txt': 'a note' }, ME, {
    isPrivate: false,
  });
  for (let i = 1; i <= 21; i++) {
    await createDataset(
      server,
      `pub-${String(i).padStart(2, '0')}`,
      { 'p.txt': String(i) },
      OTHER,
      {
        isPrivate: false,
      },
    );
  }

  // All pages: 22 public datasets over two pages of 20.
  const everyPublic = await api.listDatasets();
  assert.equal(everyPublic.length, 22);
  assert.equal(new Set(everyPublic.map((d) => d.ref)).size, 22);
  assert.equal((await api.listDatasets({ maxPages: 1 })).length, 20);
  assert.deepEqual((await api.listDatasets({ page: 2 })).length, 2);
  assert.deepEqual(
    (await api.listDatasets({ group: 'my' })).map((d) => d.ref),
    ['me/client-data'],
  );
  assert.equal((await api.listDatasets({ user: 'other' })).length, 21);

  // Metadata: read back, changed, refused with every reason named.
  await api.updateDatasetMetadata('me', 'client-data', {
    title: 'Client data set',
    keywords: ['tabular'],
    licenses: ['CC-BY-SA-4.0'],
    files: [{ name: 'note.txt', description: 'what the data is' }],
  });
  const meta = await api.getDatasetMetadata('me', 'client-data');
  assert.deepEqual(
    [
      meta.title,
      meta.keywords,
      meta.licenses,
      meta.files.find((f) => f.name === 'note.txt')?.description,
    ],
    ['Client data set', ['tabular'], ['CC-BY-SA-4.0'], 'what the data is'],
  );
  await assert.rejects(
    api.updateDatasetMetadata('me', 'client-data', { title: 'x', files: [{ name: 'nope' }] }),
    (e: unknown) =>
      e instanceof PlatformError && /6 to 50 characters.*no file "nope"/.test(e.message),
  );

  // A download cut short (the truncate fault) is resumed with Range and arrives whole.
  server.setFaults({ rates: { truncate: 0.5 } }, 8); // seed 8: the first GET is cut, the resume not
  const one = await api.downloadDataset('me', 'client-data', home, { fileName: 'big.csv' });
  server.setFaults(undefined);
  assert.equal(await readFile(join(home, 'big.csv'), 'utf8'), body);
  assert.equal(one.bytes, Buffer.byteLength(body));
  assert.ok((server.stats().faults.truncate ?? 0) > 0, 'a download was cut short on the way');

  // The whole dataset, unzipped as --unzip does; then version 2 by id, version 1 kept.
  const unzipped = join(home, 'all');
  const whole = await api.downloadDataset('me', 'client-data', unzipped, { unzip: true });
  assert.deepEqual(whole.paths.map((p) => p.slice(unzipped.length + 1)).sort(), [
    'big.csv',
    'note.txt',
  ]);
  assert.deepEqual((await readdir(unzipped)).sort(), ['big.csv', 'note.txt']);
  const meta1 = await api.getDatasetMetadata('me', 'client-data');
  const token = await uploadBlob(server, 'note.txt', 'second note');
  await api.createDatasetVersionById(meta1.datasetId, { versionNotes: 'v2', files: [{ token }] });
  const v1 = join(home, 'v1');
  await api.downloadDataset('me', 'client-data', v1, { version: 1, fileName: 'note.txt' });
  assert.equal(await readFile(join(v1, 'note.txt'), 'utf8'), 'a note');
  const latest = join(home, 'latest');
  await api.downloadDataset('me', 'client-data', latest, { fileName: 'note.txt' });
  assert.equal(await readFile(join(latest, 'note.txt'), 'utf8'), 'second note');
  await assert.rejects(
    api.downloadDataset('me', 'client-data', latest, { fileName: 'big.csv' }),
    /has no file "big\.csv"/,
  );

  // Folders and the summary of version 1.
  const tree = await api.listTreeDatasetFiles('me', 'client-data', { version: 1, pageSize: 1 });
  assert.deepEqual(
    tree.files.map((f) => [f.path, f.totalBytes]),
    [
      ['big.csv', Buffer.byteLength(body)],
      ['note.txt', 6],
    ],
  );
  const summary = await api.getDatasetFilesSummary('me', 'client-data', { version: 1 });
  assert.deepEqual(summary, {
    totalFileCount: 2,
    fileTypes: [
      { extension: 'csv', fileCount: 1, totalSize: Buffer.byteLength(body) },
      { extension: 'txt', fileCount: 1, totalSize: 6 },
    ],
  });

  // Deleted: gone for every read.
  await api.deleteDataset('me', 'client-data');
  assert.equal(await api.getDataset('me', 'client-data'), undefined);
});
