import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskFullError } from '../../src/errors.js';
import { KaggleApiError, KaggleConnectionError } from '../../src/kaggle/errors.js';
import { KaggleHttp } from '../../src/kaggle/http.js';
import { sha256Hex } from '../../src/util/hash.js';
import { KernelsApi } from '../../src/kaggle/kernels.js';
import { recordingSleep, startServer } from './helpers/fake-server.js';
import type { FakeServer, Handler } from './helpers/fake-server.js';

const content = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));

/** Sends the whole file, or from a `Range: bytes=N-` when `ranges` is on. */
const serveFile =
  (ranges: boolean): Handler =>
  (request, response) => {
    const range = /^bytes=(\d+)-$/.exec(String(request.headers.range ?? ''));
    if (ranges && range?.[1] !== undefined) {
      const start = Number(range[1]);
      response.writeHead(206, {
        'Content-Length': String(content.length - start),
        'Content-Range': `bytes ${start}-${content.length - 1}/${content.length}`,
        'Accept-Ranges': 'bytes',
      });
      response.end(content.subarray(start));
      return;
    }
    response.writeHead(200, {
      'Content-Length': String(content.length),
      ...(ranges ? { 'Accept-Ranges': 'bytes' } : {}),
    });
    response.end(content);
  };

/** Sends 4000 bytes of a 10000-byte file, then drops the connection. */
const truncated =
  (ranges: boolean): Handler =>
  (_request, response) => {
    response.writeHead(200, {
      'Content-Length': String(content.length),
      ...(ranges ? { 'Accept-Ranges': 'bytes' } : {}),
    });
    response.write(content.subarray(0, 4000), () => response.socket?.destroy());
  };

async function withFiles(
  routes: Record<string, Handler | Handler[]>,
  run: (ctx: {
    api: KernelsApi;
    files: FakeServer;
    dir: string;
    delays: number[];
    retries: string[];
  }) => Promise<void>,
): Promise<void> {
  // The API server is a different host:port than the file server, and must see nothing.
  const apiServer = await startServer({});
  const files = await startServer(routes);
  const dir = await mkdtemp(join(tmpdir(), 'kr-dl-'));
  const { sleep, delays } = recordingSleep();
  try {
    const retries: string[] = [];
    const http = new KaggleHttp({
      base: apiServer.url,
      authorization: 'Basic c2VjcmV0',
      sleep,
      onRetry: (info) => retries.push(info.operation),
    });
    await run({ api: new KernelsApi(http), files, dir, delays, retries });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await files.close();
    await apiServer.close();
  }
}

void test('downloads stream the absolute URL to disk without Authorization', async () => {
  await withFiles(
    { 'GET /files/sub/dir/model.bin': serveFile(false) },
    async ({ api, files, dir }) => {
      const dest = join(dir, 'out', 'sub', 'dir', 'model.bin');
      const result = await api.downloadFile(`${files.url}/files/sub/dir/model.bin?sig=abc`, dest);
      assert.deepEqual(result, { bytes: content.length, restarts: 0, sha256: sha256Hex(content) });
      assert.ok((await readFile(dest)).equals(content));
      const [request] = files.requests;
      assert.equal(request?.headers.authorization, undefined);
      assert.equal(request?.path, '/files/sub/dir/model.bin?sig=abc');
    },
  );
});

/**
 * Both ways a download lands: streamed to the file (its size unknown, or big), and gathered in
 * memory and written when done (its size known and small, memory-file.ts).
 */
const landings = [
  { name: 'streamed to the file', limits: {} },
  { name: 'gathered in memory', limits: { maxBytes: content.length } },
];

for (const { name, limits } of landings) {
  void test(`a dropped download resumes with Range where the server allows it (${name})`, async () => {
    await withFiles(
      { 'GET /f': [truncated(true), serveFile(true)] },
      async ({ api, files, dir, retries }) => {
        const dest = join(dir, 'f');
        assert.deepEqual(await api.downloadFile(`${files.url}/f`, dest, undefined, limits), {
          bytes: content.length,
          restarts: 1,
          sha256: sha256Hex(content), // hashed across the resume: the whole file's digest
        });
        assert.ok((await readFile(dest)).equals(content));
        assert.equal(files.requests[1]?.headers.range, 'bytes=4000-');
        assert.deepEqual(retries, ['download']); // restarts are counted like any retry
      },
    );
  });

  void test(`without range support, or when the range is ignored, it starts over (${name})`, async () => {
    await withFiles(
      { 'GET /f': [truncated(false), serveFile(false)] },
      async ({ api, files, dir }) => {
        const dest = join(dir, 'f');
        await writeFile(dest, 'old content that is longer than nothing'.repeat(1000)); // replaced
        const { sha256 } = await api.downloadFile(`${files.url}/f`, dest, undefined, limits);
        assert.ok((await readFile(dest)).equals(content));
        assert.equal(sha256, sha256Hex(content)); // the dropped bytes are not in the digest
        assert.equal(files.requests[1]?.headers.range, undefined);
      },
    );
    await withFiles(
      { 'GET /f': [truncated(true), serveFile(false)] },
      async ({ api, files, dir }) => {
        const dest = join(dir, 'f');
        const { sha256 } = await api.downloadFile(`${files.url}/f`, dest, undefined, limits);
        assert.ok((await readFile(dest)).equals(content));
        assert.equal(sha256, sha256Hex(content));
        assert.equal(files.requests[1]?.headers.range, 'bytes=4000-');
      },
    );
  });
}

void test('a download that keeps breaking fails after bounded attempts', async () => {
  await withFiles({ 'GET /f': truncated(false) }, async ({ api, files, dir, delays }) => {
    await assert.rejects(api.downloadFile(`${files.url}/f`, join(dir, 'f')), KaggleConnectionError);
    assert.equal(files.requests.length, 5);
    assert.equal(delays.length, 4);
  });
});

void test('an HTTP error from the file host is a KaggleApiError without the signed query', async () => {
  const missing: Handler = (_r, res) =>
    void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such object');
  await withFiles({ 'GET /gone': missing }, async ({ api, files, dir }) => {
    await assert.rejects(
      api.downloadFile(`${files.url}/gone?Signature=SECRETSIG`, join(dir, 'g')),
      (e: unknown) => {
        assert.ok(e instanceof KaggleApiError);
        assert.equal(e.kind, 'not-found');
        assert.ok(!e.message.includes('SECRETSIG'));
        assert.match(e.message, /no such object/);
        return true;
      },
    );
    assert.equal(files.requests.length, 1);
  });
});

void test('the error that ended a download is reported, not a failing close after it', async () => {
  const expired: Handler = (_r, res) =>
    void res.writeHead(403, { 'Content-Type': 'text/plain' }).end('URL expired');
  await withFiles({ 'GET /f': expired }, async ({ api, files, dir }) => {
    // Gathered in memory (small and of known size) for a folder that is not there: its
    // close fails too, and must not hide the 403 (a fresh listing is what cures that).
    const dest = join(dir, 'no-such-folder', 'f');
    await assert.rejects(
      api.downloadFile(`${files.url}/f`, dest, undefined, { maxBytes: 100, madeDir: true }),
      (e: unknown) => e instanceof KaggleApiError && /URL expired/.test(e.message),
    );
  });
});

/**
 * Sends 4000 bytes of a 10000-byte file, then holds the connection open, sending nothing;
 * `sent` runs once those bytes are out.
 */
const stalled =
  (sent: () => void = () => undefined): Handler =>
  (_request, response) => {
    response.writeHead(200, { 'Content-Length': String(content.length) });
    response.write(content.subarray(0, 4000), sent);
  };

void test("the caller's abort ends a body still arriving, and a download with its reason", async () => {
  const controller = new AbortController();
  const routes = {
    'GET /open': stalled(),
    'GET /f': stalled(() => controller.abort(new Error('interrupted by user'))),
  };
  await withFiles(routes, async ({ api, files, dir, retries }) => {
    const http = new KaggleHttp({ base: files.url });
    const early = new AbortController();
    const response = await http.openFile(`${files.url}/open`, {
      operation: 'download',
      auth: false,
      idempotent: true,
      signal: early.signal,
    });
    assert.equal(response.status, 200);
    early.abort(new Error('user pressed Ctrl-C'));
    await assert.rejects(
      response.body.read((piece) => void assert.ok(Buffer.isBuffer(piece))),
      /aborted/,
    );

    await assert.rejects(
      api.downloadFile(`${files.url}/f`, join(dir, 'f'), controller.signal),
      /interrupted by user/,
    );
    assert.deepEqual(retries, []);
    assert.equal(files.calls('GET /f').length, 1);
  });
});

void test('a disk that refuses the bytes ends the download with the disk-full error', async () => {
  // /dev/full takes the open and fails every write with ENOSPC, as a full disk does. The
  // file is of no known size, so it is written as it comes (batched-writer.ts).
  await withFiles({ 'GET /f': serveFile(false) }, async ({ api, files, retries }) => {
    await assert.rejects(
      api.downloadFile(`${files.url}/f`, '/dev/full', undefined, { madeDir: true }),
      (e: unknown) =>
        e instanceof DiskFullError && /no space left/.test(e.message) && e.hint !== undefined,
    );
    assert.deepEqual(retries, [], 'a full disk is not retried');
  });
});
