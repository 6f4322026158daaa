// The client's edges against a scripted server: exact resume headers, bounded retries, errors
// that must not be retried, and how create/version/status answers are read.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformError } from '../../src/errors.js';
import { KaggleApiError, KaggleConnectionError } from '../../src/kaggle/errors.js';
import { UploadSourceError } from '../../src/kaggle/blob-upload.js';
import { DatasetsApi } from '../../src/kaggle/datasets.js';
import { KaggleHttp } from '../../src/kaggle/http.js';
import { dropConnection, json, recordingSleep, startServer } from './helpers/fake-server.js';
import type { Handler } from './helpers/fake-server.js';

const rpc = (service: string, m: string) => `POST /v1/${service}/${m}`;
const START = rpc('blobs.BlobApiService', 'StartBlobUpload');
const ds = (m: string) => rpc('datasets.DatasetApiService', m);

async function withServer(
  routes: (base: () => string) => Record<string, Handler | Handler[]>,
  body: (
    api: DatasetsApi,
    file: string,
    server: { calls(k: string): { headers: Record<string, unknown>; body: string }[] },
  ) => Promise<void>,
) {
  let url = '';
  const server = await startServer(routes(() => url));
  url = server.url;
  const dir = await mkdtemp(join(tmpdir(), 'kr-upload-'));
  try {
    const file = join(dir, 'f.txt');
    await writeFile(file, '0123456789');
    const http = new KaggleHttp({ base: server.url, sleep: recordingSleep().sleep });
    await body(new DatasetsApi(http), file, server);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await server.close();
  }
}

const started =
  (base: () => string): Handler =>
  (r, res) =>
    json({ token: 'tok', createUrl: `${base()}/up` })(r, res);

void test('a dropped PUT is probed and only the missing bytes are sent', async () => {
  const probe: Handler = (_r, res) => void res.writeHead(308, { Range: 'bytes=0-3' }).end();
  await withServer(
    (base) => ({
      [START]: started(base),
      'PUT /up': [dropConnection, probe, (_r, res) => void res.writeHead(200).end()],
    }),
    async (api, file, server) => {
      const result = await api.uploadFile(file);
      assert.equal(result.token, 'tok');
      assert.equal(result.restarts, 1);
      const puts = server.calls('PUT /up');
      assert.equal(puts.length, 3);
      assert.equal(puts[0]?.headers['content-range'], undefined);
      assert.equal(puts[1]?.headers['content-range'], 'bytes */10');
      assert.equal(puts[1]?.headers['content-length'], '0');
      assert.equal(puts[2]?.headers['content-range'], 'bytes 4-9/10');
      assert.equal(puts[2]?.body, '456789');
      assert.equal(
        puts.every((p) => p.headers.authorization === undefined),
        true,
      );
    },
  );
});

void test('an upload that never gets further gives up after a bounded number of tries', async () => {
  await withServer(
    (base) => ({ [START]: started(base), 'PUT /up': dropConnection }),
    async (api, file, server) => {
      await assert.rejects(api.uploadFile(file), KaggleConnectionError);
      assert.equal(server.calls('PUT /up').length, 5);
    },
  );
});

void test('a PUT refused with 400 is not retried', async () => {
  await withServer(
    (base) => ({ [START]: started(base), 'PUT /up': json({ message: 'bad' }, 400) }),
    async (api, file, server) => {
      await assert.rejects(api.uploadFile(file), KaggleApiError);
      assert.equal(server.calls('PUT /up').length, 1);
    },
  );
});

void test('a file that got shorter after the upload began ends it at once, named as such, not retried', async () => {
  let file = '';
  await withServer(
    (base) => ({
      // The file is cut between its size being read and its body being sent.
      [START]: async (r, res) => {
        await truncate(file, 4);
        void started(base)(r, res);
      },
      'PUT /up': (_r, res) => void res.writeHead(200).end(),
    }),
    async (api, path, server) => {
      file = path;
      await assert.rejects(
        api.uploadFile(path),
        (e: unknown) =>
          e instanceof UploadSourceError &&
          /f\.txt got shorter while it was uploaded \(10 bytes/.test(e.message) &&
          /upload it again/.test(e.hint ?? ''),
      );
      assert.ok(server.calls('PUT /up').length <= 1);
    },
  );
});

void test('create answers: "OK" in any case succeeds, an error is named, FAILED stops the wait', async () => {
  await withServer(
    () => ({
      [ds('CreateDatasetVersion')]: [
        json({ ref: 'me/d', url: 'u', status: 'OK' }),
        json({ status: '', error: 'The slug is wrong' }),
      ],
      [ds('GetDatasetStatus')]: [json({}), json({ status: 'DATABUNDLE_VERSION_STATUS_FAILED' })],
    }),
    async (api, _file, server) => {
      const ok = await api.createDatasetVersion('me', 'd', {
        versionNotes: 'n',
        files: [{ token: 't' }],
      });
      assert.deepEqual(ok, { ref: 'me/d', url: 'u' });
      assert.deepEqual(JSON.parse(server.calls(ds('CreateDatasetVersion'))[0]?.body ?? ''), {
        ownerSlug: 'me',
        datasetSlug: 'd',
        body: { versionNotes: 'n', files: [{ token: 't' }] },
      });
      await assert.rejects(
        api.createDatasetVersion('me', 'd', { files: [{ token: 't' }] }),
        (e: unknown) => e instanceof PlatformError && /The slug is wrong/.test(e.message),
      );
      await assert.rejects(
        api.waitUntilReady('me', 'd', { sleep: () => Promise.resolve() }),
        (e: unknown) => e instanceof PlatformError && /FAILED/.test(e.message),
      );
      // The first answer had no status: NOT_YET_PERSISTED, so it was polled again.
      assert.equal(server.calls(ds('GetDatasetStatus')).length, 2);
    },
  );
});
