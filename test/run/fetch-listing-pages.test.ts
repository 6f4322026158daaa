// A fetch over Kaggle's paged output listing (KaggleApiPlatform against a real HTTP server on
// loopback): the files of the first page are fetched while later pages are still being
// listed, a file on a later page waits for its page, a page that fails costs only a listing
// again for the files it held, and downloads that need fresh URLs together share one
// listing, each finding its file in it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
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
  sendJson,
  startServer,
  type Handler,
} from '../kaggle/helpers/fake-server.js';

const OUTPUT = kernelsRpc('ListKernelSessionOutput');
const handle: RunHandle = { platform: 'kaggle', kernel: 'alice/k', version: null, nonce: 'n1' };
const env = { KAGGLE_USERNAME: 'alice', KAGGLE_KEY: 'alicekey1234' };
const CONTENTS: Record<string, string> = {
  'a.txt': 'first page',
  'b.txt': 'second page',
  'c.txt': 'second page too',
};

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

const secondPage = (fileUrl: (name: string) => string) => [
  { fileName: 'b.txt', url: fileUrl('b.txt') },
  { fileName: 'c.txt', url: fileUrl('c.txt') },
];

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
  /** Answers a file's request instead of the file server, when it returns true. */
  intercept?: (name: string, response: ServerResponse) => boolean,
) {
  let fileAsked = (): void => undefined;
  const firstFileAsked = new Promise<void>((resolve) => (fileAsked = resolve));
  const serve =
    (name: string): Handler =>
    (_r, res) => {
      if (name !== MANIFEST_FILE) fileAsked();
      if (intercept?.(name, res) === true) return;
      res.writeHead(200).end(name === MANIFEST_FILE ? manifestText() : CONTENTS[name]);
    };
  const files = await startServer(
    Object.fromEntries(
      [MANIFEST_FILE, ...Object.keys(CONTENTS)].map((name) => [`GET /files/${name}`, serve(name)]),
    ),
  );
  t.after(() => files.close());
  const fileUrl = (name: string) => `${files.url}/files/${name}`;
  const api = await startServer({ [OUTPUT]: pages(fileUrl, firstFileAsked) });
  t.after(() => api.close());
  let clock = 0;
  const platform = new KaggleApiPlatform({
    endpoint: api.url,
    env,
    home: '/nonexistent-home',
    // Waits pass at once on a clock of their own: a stray request (answered 599 by the fake
    // server) is an outage that gives up at its limit instead of minutes later.
    sleep: (ms: number) => {
      clock += ms;
      return Promise.resolve();
    },
    now: () => clock,
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
      sendJson(res, 200, { files: secondPage(fileUrl) });
    },
  ]);
  assert.equal(order, 'in time', 'a.txt was asked for before the listing ended');
  assert.deepEqual(
    result.outputs.map((o) => o.path),
    ['a.txt', 'b.txt', 'c.txt'],
  );
  assert.equal(api.calls(OUTPUT).length, 2, 'each page listed once');
});

void test('a manifest on a later page: the listing is read up to it, then as before', async (t) => {
  const { result, api } = await fetchWith(t, (fileUrl) => [
    json({ files: [{ fileName: 'a.txt', url: fileUrl('a.txt') }], nextPageToken: 'p2' }),
    json({
      files: [{ fileName: MANIFEST_FILE, url: fileUrl(MANIFEST_FILE) }, ...secondPage(fileUrl)],
    }),
  ]);
  assert.equal(result.outputs.length, 3);
  assert.equal(api.calls(OUTPUT).length, 2);
});

void test('a later page that fails: its files (two waiting for it) are listed again when they are needed, and they come', async (t) => {
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
    json({ files: secondPage(fileUrl) }),
  ]);
  assert.deepEqual(
    result.outputs.map((o) => o.path),
    ['a.txt', 'b.txt', 'c.txt'],
  );
  // b.txt and c.txt both waited for the page that failed: one listing again serves both.
  assert.equal(api.calls(OUTPUT).length, 4, 'the listing read again once, for b.txt and c.txt');
});

void test('URLs that expire together: each download finds its file in a fresh listing, even while another listing is under way', async (t) => {
  // b.txt and c.txt answer 403 (an expired signed URL) the first time, both at once.
  const tries = new Map<string, number>();
  let bothAsked = (): void => undefined;
  const asked = new Promise<void>((resolve) => (bothAsked = resolve));
  let askedAgain = (): void => undefined;
  const reasked = new Promise<void>((resolve) => (askedAgain = resolve));
  const expired: ServerResponse[] = [];
  const intercept = (name: string, response: ServerResponse) => {
    if (name !== 'b.txt' && name !== 'c.txt') return false;
    const n = (tries.get(name) ?? 0) + 1;
    tries.set(name, n);
    if (n > 1) {
      askedAgain();
      return false;
    }
    expired.push(response);
    if (expired.length === 2) {
      for (const answer of expired) answer.writeHead(403).end('expired');
      bothAsked();
    }
    return true;
  };
  const everything = (fileUrl: (name: string) => string) =>
    json({
      files: [MANIFEST_FILE, 'a.txt', 'b.txt', 'c.txt'].map((name) => ({
        fileName: name,
        url: fileUrl(name),
      })),
    });
  let laterListing: 'in time' | 'late' | undefined;
  const { result, api } = await fetchWith(
    t,
    (fileUrl) => [
      everything(fileUrl),
      everything(fileUrl),
      // A listing started while the first fresh one was under way ends only after a file
      // was fetched again from that first one: it must not hide the first listing's URLs.
      async (request, response) => {
        laterListing = await within(reasked, 10_000);
        await everything(fileUrl)(request, response);
      },
    ],
    intercept,
  );
  await asked;
  assert.deepEqual(
    result.outputs.map((o) => o.path),
    ['a.txt', 'b.txt', 'c.txt'],
  );
  assert.ok(api.calls(OUTPUT).length <= 3);
  assert.notEqual(laterListing, 'late');
});
