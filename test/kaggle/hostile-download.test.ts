import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KaggleApiError, KaggleTimeoutError } from '../../src/kaggle/errors.js';
import { KaggleHttp } from '../../src/kaggle/http.js';
import { KernelsApi } from '../../src/kaggle/kernels.js';
import { tempDir } from '../helpers/temp.js';
import { kernelsRpc, recordingSleep, sendJson, startServer } from './helpers/fake-server.js';
import type { Handler } from './helpers/fake-server.js';
import { endlessBody, gzipBomb, stalledBody } from './helpers/hostile.js';
import { scaled } from '../helpers/machine.js';

function apiFor(base: string): KernelsApi {
  return new KernelsApi(new KaggleHttp({ base, sleep: recordingSleep().sleep }));
}

async function sizeOf(path: string): Promise<number> {
  return existsSync(path) ? (await stat(path)).size : 0;
}

void test(
  'an endless body for a 10-byte output stops at the expected size',
  { timeout: 60_000 },
  async (t) => {
    const files = await startServer({ 'GET /f': endlessBody });
    t.after(() => files.close());
    const dest = join(await tempDir(t), 'f');
    const limit = await scaled(20_000); // on an idle machine, stretched by its slowness
    const started = Date.now();
    await assert.rejects(
      apiFor(files.url).downloadFile(`${files.url}/f`, dest, undefined, { maxBytes: 10 }),
      (e: unknown) => e instanceof KaggleApiError && /larger than the 10 bytes/.test(e.message),
    );
    // Before the cap this wrote ~80 MB/s until the disk was full.
    assert.ok((await sizeOf(dest)) <= 10, `wrote ${await sizeOf(dest)} bytes`);
    assert.ok(Date.now() - started < limit);
    assert.equal(files.requests.length, 1, 'too much data is not retried');
  },
);

void test(
  'a file host that gzips what was asked as identity is refused, never inflated',
  { timeout: 60_000 },
  async (t) => {
    const files = await startServer({ 'GET /f': gzipBomb(64 * 1024 * 1024) });
    t.after(() => files.close());
    const dest = join(await tempDir(t), 'f');
    const heapBefore = process.memoryUsage().rss;
    await assert.rejects(
      apiFor(files.url).downloadFile(`${files.url}/f`, dest, undefined, { maxBytes: 1_000_000 }),
      (e: unknown) => e instanceof KaggleApiError && /Content-Encoding "gzip"/.test(e.message),
    );
    assert.equal(await sizeOf(dest), 0);
    assert.equal(files.requests[0]?.headers['accept-encoding'], 'identity');
    assert.ok(process.memoryUsage().rss - heapBefore < 128 * 1024 * 1024);
  },
);

void test(
  'a body that stalls fails after the idle timeout instead of waiting forever',
  { timeout: 60_000 },
  async (t) => {
    const files = await startServer({ 'GET /f': stalledBody(10, 1000) });
    t.after(() => files.close());
    const dest = join(await tempDir(t), 'f');
    const limit = await scaled(15_000); // on an idle machine, stretched by its slowness
    const started = Date.now();
    await assert.rejects(
      apiFor(files.url).downloadFile(`${files.url}/f`, dest, undefined, {
        maxBytes: 1000,
        idleTimeoutMs: 200,
      }),
      (e: unknown) => e instanceof KaggleTimeoutError && /sent nothing for/.test(e.message),
    );
    // Five fruitless attempts of 0.2 s each (the backoff sleeps are instant here).
    assert.ok(Date.now() - started < limit, `took ${Date.now() - started} ms`);
    assert.equal(files.requests.length, 5);
  },
);

void test(
  'an output listing that never stops growing is refused with bounded memory',
  { timeout: 60_000 },
  async (t) => {
    const url = `https://storage.example/${'u'.repeat(2000)}`;
    let page = 0;
    const hugePage: Handler = (_request, response) => {
      page += 1;
      const files = Array.from({ length: 4000 }, (_, i) => ({ fileName: `p${page}/f${i}`, url }));
      sendJson(response, 200, { files, nextPageToken: `t${page}` });
    };
    const api = await startServer({ [kernelsRpc('ListKernelSessionOutput')]: hugePage });
    t.after(() => api.close());
    const rssBefore = process.memoryUsage().rss;
    await assert.rejects(
      apiFor(api.url).listKernelSessionOutput('me', 'k'),
      (e: unknown) =>
        e instanceof KaggleApiError && /output listing is larger than/.test(e.message),
    );
    // 8 MB pages: the old client read pages until 10,000 of them (80 GB) were in memory.
    assert.ok(page < 20, `read ${page} pages`);
    assert.ok(process.memoryUsage().rss - rssBefore < 768 * 1024 * 1024);
  },
);

void test(
  'an {"error": {...}} envelope inside a 200 answer is an error, not a status',
  { timeout: 60_000 },
  async (t) => {
    const api = await startServer({
      [kernelsRpc('GetKernelSessionStatus')]: (_request, response) =>
        sendJson(response, 200, { error: { code: 403, message: 'Permission denied' } }),
    });
    t.after(() => api.close());
    await assert.rejects(
      apiFor(api.url).getKernelSessionStatus('me', 'k'),
      (e: unknown) =>
        e instanceof KaggleApiError &&
        e.effectiveStatus === 403 &&
        /Permission denied/.test(e.message),
    );
  },
);
