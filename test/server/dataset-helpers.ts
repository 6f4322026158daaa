// Datasets made over raw HTTP as the official CLI makes them: StartBlobUpload, one PUT per
// file, CreateDataset.

import assert from 'node:assert/strict';
import { ME, basic, rpc } from './helpers.js';

export const blobs = { service: 'blobs.BlobApiService' };
export const datasets = { service: 'datasets.DatasetApiService' };

export function put(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'PUT', body, headers });
}

/** Uploads `content` as blob `name` for `account`; its token. */
export async function uploadBlob(
  server: { url: string },
  name: string,
  content: string,
  account: { username: string; key: string } = ME,
): Promise<string> {
  const started = await rpc(
    server,
    'StartBlobUpload',
    { type: 'DATASET', name, contentLength: Buffer.byteLength(content) },
    { ...blobs, auth: basic(account) },
  );
  assert.equal(started.status, 200);
  assert.equal((await put(started.body.createUrl as string, content)).status, 200);
  return started.body.token as string;
}

/** StartBlobUpload + one PUT of each file + CreateDataset, as `account`. */
export async function createDataset(
  server: { url: string },
  slug: string,
  files: Record<string, string>,
  account: { username: string; key: string } = ME,
  extra: Record<string, unknown> = {},
) {
  const tokens = [];
  for (const [name, content] of Object.entries(files)) {
    tokens.push({ token: await uploadBlob(server, name, content, account) });
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
