// A fetch over Kaggle's paged output listing (KaggleApiPlatform against a real HTTP server on
// loopback): the files of the first page are fetched while later pages are still being
// listed, a file on a later page waits for its page, and a page that fails costs only a
// listing again for the files it held.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KaggleApiPlatform } from '../../src/kaggle/kaggle-platform.js';
import { MANIFEST_FILE, type Manifest } from '../../src/manifest.js';
import type { RunHandle } from '../../src/platform/platform.js';
import { fetchOutputs } from '../../src/run/fetch-outputs.js';
import { sha256Hex } from '../../src/util/hash.js';
import { tempDir } from '../helpers/temp.js';
import {
  json,
  kernelsRpc,
  recordingSleep,
  sendJson,
  startServer,
  type Handler,
} from '../kaggle/helpers/fake-server.js';

const OUTPUT = kernelsRpc('ListKernelSessionOutput');
const handle: RunHandle = { platform: 'kaggle', kernel: 'alice/k', version: null, nonce: 'n1' };
const env = { KAGGLE_USERNAME: 'alice', KAGGLE_KEY: 'alicekey1234' };
const CONTENTS: Record<string, string> = { 'a.txt': 'first page', 'b.txt': 'second page' };

function manifestText(): string {
  const manifest: Manifest = {
    nonce: 'n1',
    exitCode: 0,
    error: null,
    failedStep: null,
    startedAt: '',
    endedAt: '',
    durationSeconds: 0,
    pythonVersion: '3.11.0',
    acceleratorAsked: 'none',
    acceleratorSeen: { kind: 'none', names: [], count: 0 },
    files: Object.entries(CONTENTS).map(([path, text]) => ({
      path,
      size: Buffer.byteLength(text),
      sha256: sha256Hex(text),
    })),
  };
  return JSON.stringify(manifest);
}

/** Resolves when `promise` does, or after `ms` with 'late' (so a wrong order fails, not hangs). */
function within(promise: Promise<void>, ms: number): Promise<'in time' | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(() => 'in time' as const),
    new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms))),
  ]).finally(() => clearTimeout(timer));
}

async function fetchWith(
  t: Parameters<typeof tempDir>[0],
  pages: (fileUrl: (name: string) => string, firstFileAsked: Promise<void>) => Handler[],
) {
  let fileAsked = (): void => undefined;
  const firstFileAsked = new Promise<void>((resolve) => (fileAsked = resolve));
  const serve =
    (name: string): Handler =>
    (_r, res) => {
      if (name !== MANIFEST_FILE) fileAsked();
      res.writeHead(200).end(name === MANIFEST_FILE ? manifestText() : CONTENTS[name]);
    };
  const files = await startServer({
    [`GET /files/${MANIFEST_FILE}`]: serve(MANIFEST_FILE),
    'GET /files/a.txt': serve('a.txt'),
    'GET /files/b.txt': serve('b.txt'),
  });
  t.after(() => files.close());
  const fileUrl = (name: string) => `${files.url}/files/${name}`;
  const api = await startServer({ [OUTPUT]: pages(fileUrl, firstFileAsked) });
  t.after(() => api.close());
  const platform = new KaggleApiPlatform({
    endpoint: api.url,
    env,
    home: '/nonexistent-home',
    sleep: recordingSleep().sleep,
  });
  const dir = await tempDir(t);
  const result = await fetchOutputs({
    platform,
    handle,
    outputDir: join(dir, 'out'),
    manifestPath: join(dir, 'manifest.json'),
    globs: [],
    nonce: 'n1',
  });
  for (const [name, text] of Object.entries(CONTENTS)) {
    assert.equal(await readFile(join(dir, 'out', name), 'utf8'), text, name);
  }
  return { result, api, files };
}

void test("the first page's files are fetched while the next page is listed; a later file waits for its page", async (t) => {
  let order: 'in time' | 'late' | undefined;
  const { result, api } = await fetchWith(t, (fileUrl, firstFileAsked) => [
    json({
      files: [
        { fileName: MANIFEST_FILE, url: fileUrl(MANIFEST_FILE) },
        { fileName: 'a.txt', url: fileUrl('a.txt') },
      ],
      nextPageToken: 'p2',
    }),
    // Page 2 answers only once a.txt was asked for: a fetch that waited for the whole
    // listing would find it late.
    async (_r, res) => {
      order = await within(firstFileAsked, 10_000);
      sendJson(res, 200, { files: [{ fileName: 'b.txt', url: fileUrl('b.txt') }] });
    },
  ]);
  assert.equal(order, 'in time', 'a.txt was asked for before the listing ended');
  assert.deepEqual(
    result.outputs.map((o) => o.path),
    ['a.txt', 'b.txt'],
  );
  assert.equal(api.calls(OUTPUT).length, 2, 'each page listed once');
});

void test('a manifest on a later page: the listing is read up to it, then as before', async (t) => {
  const { result, api } = await fetchWith(t, (fileUrl) => [
    json({ files: [{ fileName: 'a.txt', url: fileUrl('a.txt') }], nextPageToken: 'p2' }),
    json({
      files: [
        { fileName: MANIFEST_FILE, url: fileUrl(MANIFEST_FILE) },
        { fileName: 'b.txt', url: fileUrl('b.txt') },
      ],
    }),
  ]);
  assert.equal(result.outputs.length, 2);
  assert.equal(api.calls(OUTPUT).length, 2);
});

void test('a later page that fails: its files are listed again when they are needed, and they come', async (t) => {
  const page1 = (fileUrl: (name: string) => string) =>
    json({
      files: [
        { fileName: MANIFEST_FILE, url: fileUrl(MANIFEST_FILE) },
        { fileName: 'a.txt', url: fileUrl('a.txt') },
      ],
      nextPageToken: 'p2',
    });
  const { result, api } = await fetchWith(t, (fileUrl) => [
    page1(fileUrl),
    // Not retried (a 400 is the request's fault): the page's files are left unlisted.
    json({ code: 400, message: 'bad page token' }, 400),
    page1(fileUrl),
    json({ files: [{ fileName: 'b.txt', url: fileUrl('b.txt') }] }),
  ]);
  assert.deepEqual(
    result.outputs.map((o) => o.path),
    ['a.txt', 'b.txt'],
  );
  assert.equal(api.calls(OUTPUT).length, 4, 'the listing read again once, for b.txt');
});
