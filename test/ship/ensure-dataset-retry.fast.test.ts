// A create that fails with an unknown outcome (a 503, a dropped connection) is not repeated
// blindly: the dataset is read again, and the create is made again only when it did not land.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetFile, DatasetsApi } from '../../src/kaggle/datasets.js';
import { KaggleApiError } from '../../src/kaggle/errors.js';
import { ensureDataset } from '../../src/ship/ensure-dataset.js';
import { tempDir } from '../helpers/temp.js';

/** An in-memory dataset store whose next create calls fail, after or before they land. */
function fakeDatasets(failures: ('landed' | 'lost')[]) {
  let version: number | null = null;
  let files: DatasetFile[] = [];
  const calls: string[] = [];
  const fail = () =>
    new KaggleApiError({ status: 503, operation: 'CreateDataset', apiMessage: 'injected' });
  const create = (method: string, made: DatasetFile[]) => {
    calls.push(method);
    const failure = failures.shift();
    if (failure === 'lost') throw fail();
    version = (version ?? 0) + 1;
    files = made;
    if (failure === 'landed') throw fail();
    return Promise.resolve({ ref: 'me/ds', url: '', status: 'ok', error: null });
  };
  const api = {
    getDataset: () =>
      Promise.resolve(version === null ? undefined : { currentVersionNumber: version }),
    listDatasetFiles: () => Promise.resolve(files),
    uploadFile: (_path: string, o: { name: string }) =>
      Promise.resolve({ token: `token-${o.name}`, bytesSent: 5 }),
    createDataset: (r: { files: { token: string }[] }) =>
      create(
        'CreateDataset',
        r.files.map(() => ({ name: 'a.txt', totalBytes: 5 }) as DatasetFile),
      ),
    createDatasetVersion: (_o: string, _s: string, r: { files: { token: string }[] }) =>
      create(
        'CreateDatasetVersion',
        r.files.map(() => ({ name: 'a.txt', totalBytes: 5 }) as DatasetFile),
      ),
    waitUntilReady: () => Promise.resolve(),
  };
  return { api: api as unknown as DatasetsApi, calls };
}

async function ship(t: TestContext, failures: ('landed' | 'lost')[]) {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'a.txt'), 'hello');
  const { api, calls } = fakeDatasets(failures);
  const result = await ensureDataset(
    api,
    {
      owner: 'me',
      slug: 'ds',
      title: 'ds',
      files: [{ name: 'a.txt', localPath: join(dir, 'a.txt'), size: 5 }],
      notes: 'n',
      unchanged: ({ files }) => files.length === 1 && files[0]?.name === 'a.txt',
    },
    { readyTimeoutMs: 1000 },
  );
  return { result, calls };
}

void test('a create whose answer was lost but which landed is not made twice', async (t) => {
  const { result, calls } = await ship(t, ['landed']);
  assert.deepEqual(calls, ['CreateDataset']);
  assert.equal(result.version, 1);
  assert.equal(result.uploaded, true);
});

void test('a create that did not land is made again', async (t) => {
  const lost = await ship(t, ['lost']);
  assert.deepEqual(lost.calls, ['CreateDataset', 'CreateDataset']);
  assert.equal(lost.result.version, 1);
});
