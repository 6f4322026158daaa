// The datasets API beyond create/status, driven the way the official CLI drives it: each
// captured request body (test/fixtures/official-cli-requests-datasets.jsonl) is sent as
// captured, and every answer is checked against kagglesdk's field names (ApiDataset,
// DatasetInfo, ApiDirectoryContent, ApiFilesSummary...). Downloads follow the 302 to the
// signed URL, resume with Range and match the MD5 the server sends in X-Goog-Hash.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { readCaptured } from '../kaggle/helpers/captured-requests.js';
import { createDataset, datasets, uploadBlob } from './dataset-helpers.js';
import { ME, OTHER, PYTHON, basic, rpc, startTestServer, tempDir } from './helpers.js';

const captured = readCaptured('official-cli-requests-datasets.jsonl');

/** The captured bodies of one method, in capture order. */
function bodiesOf(method: string): Record<string, unknown>[] {
  return captured
    .filter((c) => c.raw_path.endsWith(`/${method}`))
    .map((c) => JSON.parse(c.body) as Record<string, unknown>);
}

/** Field names of the kagglesdk types the answers are read into. */
const SDK = {
  ApiDataset: [
    'id', 'ref', 'subtitle', 'creatorName', 'creatorUrl', 'totalBytes', 'url', 'lastUpdated',
    'downloadCount', 'isPrivate', 'isFeatured', 'licenseName', 'description', 'ownerName',
    'ownerRef', 'kernelCount', 'title', 'topicCount', 'viewCount', 'voteCount',
    'currentVersionNumber', 'usabilityRating', 'tags', 'files', 'versions', 'thumbnailImageUrl',
  ],
  ApiDatasetVersion: [
    'versionNumber', 'creationDate', 'creatorName', 'creatorRef', 'versionNotes', 'status',
  ],
  ApiCategory: [
    'ref', 'name', 'description', 'fullPath', 'competitionCount', 'datasetCount', 'scriptCount',
    'totalCount',
  ],
  ApiListDatasetsResponse: ['datasets', 'nextPageToken'],
  ApiGetDatasetMetadataResponse: ['info', 'errorMessage'],
  DatasetInfo: [
    'datasetId', 'datasetSlug', 'ownerUser', 'usabilityRating', 'totalViews', 'totalVotes',
    'totalDownloads', 'title', 'subtitle', 'description', 'isPrivate', 'keywords', 'licenses',
    'collaborators', 'data',
  ],
  DatasetSettingsFile: ['name', 'description', 'totalBytes', 'columns'],
  ApiUpdateDatasetMetadataResponse: ['errors'],
  ApiCreateDatasetResponse: ['ref', 'url', 'status', 'error', 'invalidTags'],
  ApiDeleteDatasetResponse: ['error'],
  ApiDirectoryContent: [
    'directories', 'files', 'totalChildren', 'totalDirectories', 'totalFiles', 'nextPageToken',
  ],
  ApiDirectory: ['name', 'relativeUrl', 'totalDirectories', 'totalFiles', 'totalChildren'],
  ApiFile: ['name', 'creationDate', 'totalBytes', 'relativeUrl', 'description'],
  ApiFilesSummary: ['fileSummaryInfo', 'columnSummaryInfo'],
  ApiFileSummaryInfo: ['totalFileCount', 'fileTypes'],
  ApiFileExtensionSummaryInfo: ['extension', 'fileCount', 'totalSize'],
  ApiColumnSummaryInfo: ['totalColumnCount', 'columnTypes'],
  ApiColumnTypeSummaryInfo: ['columnType', 'columnCount'],
} as const; // prettier-ignore

/** Every key of `value` is a field of the SDK type (a misspelt one would be dropped). */
function assertFields(value: unknown, type: keyof typeof SDK): Record<string, unknown> {
  assert.ok(typeof value === 'object' && value !== null, `${type}: not an object`);
  const unknown = Object.keys(value).filter((k) => !(SDK[type] as readonly string[]).includes(k));
  assert.deepEqual(unknown, [], `${type} has fields the SDK does not know`);
  return value as Record<string, unknown>;
}

function assertDataset(value: unknown): Record<string, unknown> {
  const dataset = assertFields(value, 'ApiDataset');
  for (const v of dataset.versions as unknown[]) assertFields(v, 'ApiDatasetVersion');
  for (const tag of dataset.tags as unknown[]) assertFields(tag, 'ApiCategory');
  return dataset;
}

const refs = (list: unknown) => (list as { ref: string }[]).map((d) => d.ref);

/** POSTs an RPC without following its redirect: the signed URL it points at. */
async function downloadUrl(server: { url: string }, method: string, body: unknown) {
  const response = await fetch(`${server.url}/api/v1/datasets.DatasetApiService/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: basic(ME) },
    body: JSON.stringify(body),
    redirect: 'manual',
  });
  assert.equal(response.status, 302, await response.clone().text());
  const location = response.headers.get('location');
  assert.ok(location !== null);
  return location;
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest('base64');

void test('datasets list, read back, change, download and delete as the official CLI asks', async (t) => {
  const server = await startTestServer(t, { datasetReadyDelayMs: 0 });
  // fid-data is the first dataset, so its id is the 1 the captured CreateDatasetVersionById names.
  await createDataset(
    server,
    'fid-data',
    { 'readme.txt': 'read me first\n', 'data.csv': 'a\n1\n' },
    ME,
    {
      isPrivate: false,
      licenseName: 'CC0-1.0',
      subtitle: 'Files for the fid tests',
    },
  );
  await createDataset(server, 'kaggleapi-dataset-4d3b5a65', { 'x.txt': 'x' });
  // 22 public datasets of another user: the public listing runs over two pages of 20.
  for (let i = 1; i <= 22; i++) {
    await createDataset(
      server,
      `other-set-${String(i).padStart(2, '0')}`,
      { 'o.csv': `${i}\n` },
      OTHER,
      {
        isPrivate: false,
      },
    );
  }

  // ListDatasets, each captured body as sent.
  const [votes, mine, search] = bodiesOf('ListDatasets');
  const page1 = await rpc(server, 'ListDatasets', votes, datasets);
  assert.equal(page1.status, 200, JSON.stringify(page1.body));
  assertFields(page1.body, 'ApiListDatasetsResponse');
  const listed = page1.body.datasets as unknown[];
  listed.forEach(assertDataset);
  assert.equal(listed.length, 20);
  assert.equal(page1.body.nextPageToken, '2');
  const page2 = await rpc(server, 'ListDatasets', { ...votes, page: 2 }, datasets);
  const byToken = await rpc(
    server,
    'ListDatasets',
    { ...votes, page: undefined, pageToken: '2' },
    datasets,
  );
  assert.deepEqual(refs(byToken.body.datasets), refs(page2.body.datasets));
  assert.equal(page2.body.nextPageToken, '');
  const everyPublic = [...refs(listed), ...refs(page2.body.datasets)];
  assert.equal(new Set(everyPublic).size, 23);
  assert.ok(everyPublic.includes('me/fid-data'));
  assert.ok(
    !everyPublic.includes('me/kaggleapi-dataset-4d3b5a65'),
    'private datasets are not public',
  );

  const my = await rpc(server, 'ListDatasets', mine, datasets);
  assert.deepEqual(refs(my.body.datasets).sort(), ['me/fid-data', 'me/kaggleapi-dataset-4d3b5a65']);
  const found = await rpc(server, 'ListDatasets', search, datasets);
  assert.deepEqual(refs(found.body.datasets), ['me/fid-data']);
  // --user sends the USER group with the name; another user's private datasets stay hidden.
  const theirs = await rpc(
    server,
    'ListDatasets',
    { group: 'DATASET_SELECTION_GROUP_USER', user: 'me', page: 1 },
    { ...datasets, auth: basic(OTHER) },
  );
  assert.deepEqual(refs(theirs.body.datasets), ['me/fid-data']);
  const badSort = await rpc(server, 'ListDatasets', { sortBy: 'DATASET_SORT_BY_COLOUR' }, datasets);
  assert.equal(badSort.status, 400);
  assert.match(badSort.body.message as string, /DATASET_SORT_BY_VOTES/);

  // GetDatasetMetadata, then UpdateDatasetMetadata with the captured settings.
  const [metaBody] = bodiesOf('GetDatasetMetadata');
  const meta = await rpc(server, 'GetDatasetMetadata', metaBody, datasets);
  assertFields(meta.body, 'ApiGetDatasetMetadataResponse');
  const info = assertFields(meta.body.info, 'DatasetInfo');
  (info.data as unknown[]).forEach((f) => assertFields(f, 'DatasetSettingsFile'));
  assert.equal(info.datasetId, 1);
  assert.equal(info.datasetSlug, 'fid-data');
  assert.equal(info.ownerUser, 'me');
  assert.deepEqual(info.licenses, [{ name: 'CC0-1.0' }]);
  assert.deepEqual((info.data as { name: string }[]).map((f) => f.name).sort(), [
    'data.csv',
    'readme.txt',
  ]);
  const [updateBody] = bodiesOf('UpdateDatasetMetadata');
  const updated = await rpc(server, 'UpdateDatasetMetadata', updateBody, datasets);
  assertFields(updated.body, 'ApiUpdateDatasetMetadataResponse');
  assert.deepEqual(updated.body, { errors: [] });
  const after = (await rpc(server, 'GetDatasetMetadata', metaBody, datasets)).body.info as Record<
    string,
    unknown
  >;
  assert.equal(after.title, 'Fid Data Set');
  assert.equal(after.isPrivate, false, 'an update does not change who can read the dataset');
  const refused = await rpc(
    server,
    'UpdateDatasetMetadata',
    {
      ownerSlug: 'me',
      datasetSlug: 'fid-data',
      settings: { title: 'x', data: [{ name: 'nope.csv' }] },
    },
    datasets,
  );
  assert.equal(refused.body.errors instanceof Array && refused.body.errors.length, 2);
  const notMine = await rpc(server, 'UpdateDatasetMetadata', updateBody, {
    ...datasets,
    auth: basic(OTHER),
  });
  assert.equal(notMine.status, 403);

  // DownloadDataset of one file: a 302 to a signed URL, resumable, with its MD5.
  const [oneFile, wholeVersion] = bodiesOf('DownloadDataset');
  const fileUrl = await downloadUrl(server, 'DownloadDataset', oneFile);
  assert.match(fileUrl, /\/readme\.txt$/);
  const whole = await fetch(fileUrl);
  const bytes = Buffer.from(await whole.arrayBuffer());
  assert.equal(bytes.toString(), 'read me first\n');
  assert.equal(whole.headers.get('accept-ranges'), 'bytes');
  assert.equal(whole.headers.get('x-goog-hash'), `md5=${md5(bytes)}`);
  const rest = await fetch(fileUrl, { headers: { Range: 'bytes=5-' } });
  assert.equal(rest.status, 206);
  assert.equal(await rest.text(), 'me first\n');
  // Followed as clients follow it (POST, then GET of the Location).
  const followed = await fetch(`${server.url}/api/v1/datasets.DatasetApiService/DownloadDataset`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: basic(ME) },
    body: JSON.stringify(oneFile),
  });
  assert.equal(await followed.text(), 'read me first\n');

  // A new version by id (the captured body, with this server's blob tokens).
  const [byId] = bodiesOf('CreateDatasetVersionById');
  const tokens = [
    await uploadBlob(server, 'readme.txt', 'version two\n'),
    await uploadBlob(server, 'extra.json', '{"v": 2}'),
  ];
  const versioned = await rpc(
    server,
    'CreateDatasetVersionById',
    { ...byId, body: { ...(byId?.body as object), files: tokens.map((token) => ({ token })) } },
    datasets,
  );
  assertFields(versioned.body, 'ApiCreateDatasetResponse');
  assert.equal(versioned.body.status, 'Ok', JSON.stringify(versioned.body));
  const current = await rpc(
    server,
    'GetDataset',
    { ownerSlug: 'me', datasetSlug: 'fid-data' },
    datasets,
  );
  assert.equal(assertDataset(current.body).currentVersionNumber, 2);
  const otherId = await rpc(server, 'CreateDatasetVersionById', { id: 999, body: {} }, datasets);
  assert.equal(otherId.status, 404);

  // The whole of version 1 (the captured body) as a zip, still there after version 2.
  const dir = await tempDir(t);
  const zipUrl = await downloadUrl(server, 'DownloadDataset', wholeVersion);
  assert.match(zipUrl, /\/fid-data\.zip$/);
  const zipBytes = Buffer.from(await (await fetch(zipUrl)).arrayBuffer());
  await writeFile(join(dir, 'v1.zip'), zipBytes);
  const run = promisify(execFile);
  const listing = await run(PYTHON, [
    '-c',
    'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(sorted((i.filename, z.read(i).decode()) for i in z.infolist()))',
    join(dir, 'v1.zip'),
  ]);
  assert.equal(
    listing.stdout.trim(),
    "[('data.csv', 'a\\n1\\n'), ('readme.txt', 'read me first\\n')]",
  );
  // The same archive again is the same bytes (a resumed download reads what it started on).
  const again = Buffer.from(
    await (await fetch(zipUrl, { headers: { Range: 'bytes=10-' } })).arrayBuffer(),
  );
  assert.deepEqual(again, zipBytes.subarray(10));

  // deleteOldVersions: only the new version is left; numbering goes on.
  const v3 = await rpc(
    server,
    'CreateDatasetVersion',
    {
      ownerSlug: 'me',
      datasetSlug: 'fid-data',
      body: {
        versionNotes: 'fresh start',
        deleteOldVersions: true,
        files: [{ token: await uploadBlob(server, 'only.txt', 'only') }],
      },
    },
    datasets,
  );
  assert.equal(v3.body.status, 'Ok');
  const pruned = assertDataset(
    (await rpc(server, 'GetDataset', { ownerSlug: 'me', datasetSlug: 'fid-data' }, datasets)).body,
  );
  assert.deepEqual(
    (pruned.versions as { versionNumber: number }[]).map((v) => v.versionNumber),
    [3],
  );
  const gone = await rpc(server, 'DownloadDataset', wholeVersion, datasets);
  assert.equal(gone.status, 404);
  const staleUrl = await fetch(zipUrl);
  assert.equal(staleUrl.status, 404);

  // DeleteDataset as captured: gone from every read, files included.
  const [deleteBody] = bodiesOf('DeleteDataset');
  const denied = await rpc(server, 'DeleteDataset', deleteBody, {
    ...datasets,
    auth: basic(OTHER),
  });
  assert.equal(denied.status, 404, 'a private dataset of someone else is not even found');
  const deleted = await rpc(server, 'DeleteDataset', deleteBody, datasets);
  assert.equal(deleted.status, 200);
  assertFields(deleted.body, 'ApiDeleteDatasetResponse');
  const afterDelete = await rpc(server, 'GetDataset', deleteBody, datasets);
  assert.equal(afterDelete.status, 404);
  await assert.rejects(
    access(join(server.dataDir, 'datasets', 'me', 'kaggleapi-dataset-4d3b5a65')),
  );
});

void test('ListTreeDatasetFiles walks folders page by page; GetDatasetFilesSummary counts them', async (t) => {
  const server = await startTestServer(t, { datasetReadyDelayMs: 0 });
  const token = (name: string, content: string) => uploadBlob(server, name, content);
  const created = await rpc(
    server,
    'CreateDataset',
    {
      ownerSlug: 'me',
      slug: 'tree-data',
      title: 'Tree data',
      files: [
        {
          token: await token('a.csv', 'x,y\n1,2\n'),
          description: 'the top file',
          columns: [
            { order: 0, name: 'x', type: 'numeric' },
            { order: 1, name: 'y', type: 'string' },
          ],
        },
        { token: await token('b.csv', 'b\n') },
      ],
      directories: [
        {
          name: 'sub',
          files: [{ token: await token('c.csv', 'c\n') }],
          directories: [{ name: 'deeper', files: [{ token: await token('d.json', '{}') }] }],
        },
      ],
    },
    datasets,
  );
  assert.equal(created.body.status, 'Ok', JSON.stringify(created.body));

  const tree = async (body: Record<string, unknown>) => {
    const answer = await rpc(
      server,
      'ListTreeDatasetFiles',
      { ownerSlug: 'me', datasetSlug: 'tree-data', ...body },
      datasets,
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const content = assertFields(answer.body, 'ApiDirectoryContent');
    (content.directories as unknown[]).forEach((d) => assertFields(d, 'ApiDirectory'));
    (content.files as unknown[]).forEach((f) => assertFields(f, 'ApiFile'));
    return content as {
      directories: { name: string; totalFiles: number; totalDirectories: number }[];
      files: { name: string; totalBytes: number; relativeUrl: string; description: string }[];
      totalChildren: number;
      nextPageToken: string;
    };
  };
  const top = await tree({});
  assert.deepEqual(
    top.directories.map((d) => [d.name, d.totalDirectories, d.totalFiles]),
    [['sub', 1, 1]],
  );
  assert.deepEqual(
    top.files.map((f) => [f.name, f.totalBytes, f.description]),
    [
      ['a.csv', 8, 'the top file'],
      ['b.csv', 2, ''],
    ],
  );
  assert.equal(top.totalChildren, 3);
  const sub = await tree({ path: 'sub' });
  assert.deepEqual(
    sub.directories.map((d) => d.name),
    ['deeper'],
  );
  assert.deepEqual(
    sub.files.map((f) => [f.name, f.relativeUrl]),
    [['c.csv', 'sub/c.csv']],
  );
  // One entry a page: sub/, a.csv, b.csv, then the end.
  const seen: string[] = [];
  let pageToken: string | undefined;
  for (let i = 0; i < 10; i++) {
    const page = await tree({ pageSize: 1, ...(pageToken ? { pageToken } : {}) });
    seen.push(...page.directories.map((d) => `${d.name}/`), ...page.files.map((f) => f.name));
    if (page.nextPageToken === '') break;
    pageToken = page.nextPageToken;
  }
  assert.deepEqual(seen, ['sub/', 'a.csv', 'b.csv']);
  const missing = await rpc(
    server,
    'ListTreeDatasetFiles',
    { ownerSlug: 'me', datasetSlug: 'tree-data', path: 'nope' },
    datasets,
  );
  assert.equal(missing.status, 404);

  const summary = await rpc(
    server,
    'GetDatasetFilesSummary',
    { ownerSlug: 'me', datasetSlug: 'tree-data' },
    datasets,
  );
  const files = assertFields(summary.body, 'ApiFilesSummary');
  const fileInfo = assertFields(files.fileSummaryInfo, 'ApiFileSummaryInfo');
  (fileInfo.fileTypes as unknown[]).forEach((e) => assertFields(e, 'ApiFileExtensionSummaryInfo'));
  const columnInfo = assertFields(files.columnSummaryInfo, 'ApiColumnSummaryInfo');
  (columnInfo.columnTypes as unknown[]).forEach((c) => assertFields(c, 'ApiColumnTypeSummaryInfo'));
  assert.deepEqual(summary.body, {
    fileSummaryInfo: {
      totalFileCount: 4,
      fileTypes: [
        { extension: 'csv', fileCount: 3, totalSize: 12 },
        { extension: 'json', fileCount: 1, totalSize: 2 },
      ],
    },
    columnSummaryInfo: {
      totalColumnCount: 2,
      columnTypes: [
        { columnType: 'numeric', columnCount: 1 },
        { columnType: 'string', columnCount: 1 },
      ],
    },
  });
});
