import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  KaggleApiError,
  KaggleConnectionError,
  KaggleTimeoutError,
} from '../../src/kaggle/errors.js';
import { KaggleHttp } from '../../src/kaggle/http.js';
import type { HttpOptions } from '../../src/kaggle/http.js';
import {
  dropConnection,
  json,
  kernelsRpc,
  recordingSleep,
  startServer,
} from './helpers/fake-server.js';
import type { Handler } from './helpers/fake-server.js';
import { scaled } from '../helpers/machine.js';

const STATUS = kernelsRpc('GetKernelSessionStatus');
const body = { userName: 'me', kernelSlug: 'k' };

async function withServer(
  routes: Record<string, Handler | Handler[]>,
  options: Partial<HttpOptions>,
  run: (
    http: KaggleHttp,
    delays: number[],
    server: Awaited<ReturnType<typeof startServer>>,
  ) => Promise<void>,
): Promise<void> {
  const server = await startServer(routes);
  const { sleep, delays } = recordingSleep();
  try {
    await run(
      new KaggleHttp({ base: server.url, sleep, random: () => 0, ...options }),
      delays,
      server,
    );
  } finally {
    await server.close();
  }
}

const status = (http: KaggleHttp, idempotent = true) =>
  http.rpc('kernels.KernelsApiService', 'GetKernelSessionStatus', body, { idempotent });

void test('RPC: POST with the CLI headers and a JSON body; the JSON object back', async () => {
  await withServer(
    { [STATUS]: json({ status: 'RUNNING' }) },
    { authorization: 'Basic abc=' },
    async (http, _d, server) => {
      assert.deepEqual(await status(http), { status: 'RUNNING' });
      const [request] = server.requests;
      assert.equal(request?.headers['content-type'], 'application/json');
      assert.equal(request?.headers.accept, '*/*');
      assert.equal(request?.headers.authorization, 'Basic abc=');
      assert.deepEqual(JSON.parse(request?.body ?? ''), body);
    },
  );
});

void test('both error body shapes are read; the message names status and operation', async () => {
  await withServer(
    {
      [STATUS]: [
        json({ code: 404, message: 'Kernel not found' }, 404),
        json(
          { error: { code: 429, message: 'Too many requests', status: 'RESOURCE_EXHAUSTED' } },
          429,
          { 'Retry-After': '120' },
        ),
      ],
    },
    {},
    async (http) => {
      await assert.rejects(status(http), (e: unknown) => {
        assert.ok(e instanceof KaggleApiError);
        assert.equal(e.kind, 'not-found');
        assert.equal(e.code, 404);
        assert.equal(e.apiMessage, 'Kernel not found');
        assert.match(
          e.message,
          /GetKernelSessionStatus failed: HTTP 404 Not Found: Kernel not found/,
        );
        return true;
      });
      await assert.rejects(status(http), (e: unknown) => {
        assert.ok(e instanceof KaggleApiError);
        assert.equal(e.kind, 'rate-limited');
        assert.equal(e.apiStatus, 'RESOURCE_EXHAUSTED');
        assert.equal(e.retryAfterMs, 120_000);
        assert.equal(e.isRetryable(), false); // over the 60 s cap: fail fast, one request
        return true;
      });
    },
  );
});

void test('code >= 400 inside an HTTP 200 JSON body is an error, as in the SDK', async () => {
  await withServer(
    { [STATUS]: json({ code: 403, message: 'Permission denied' }) },
    {},
    async (http) => {
      await assert.rejects(status(http), (e: unknown) => {
        assert.ok(e instanceof KaggleApiError);
        assert.equal(e.status, 200);
        assert.equal(e.kind, 'forbidden');
        assert.match(e.message, /403 Forbidden: Permission denied/);
        return true;
      });
    },
  );
});

void test('a non-JSON error body gives status text and URL; 401 says how to fix credentials', async () => {
  const html: Handler = (_r, res) => {
    res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html>bad gateway</html>');
  };
  await withServer(
    { [STATUS]: html, [kernelsRpc('GetKernel')]: json({}, 401) },
    { maxAttempts: 2 },
    async (http, delays, server) => {
      await assert.rejects(status(http), (e: unknown) => {
        assert.ok(e instanceof KaggleApiError);
        assert.match(e.message, /HTTP 502 Bad Gateway/);
        assert.ok(
          e.message.includes(`${server.url}/v1/kernels.KernelsApiService/GetKernelSessionStatus`),
        );
        return true;
      });
      assert.equal(delays.length, 1); // 502 retried once with maxAttempts 2
      await assert.rejects(
        http.rpc('kernels.KernelsApiService', 'GetKernel', {}, { idempotent: true }),
        (e: unknown) => {
          assert.ok(e instanceof KaggleApiError);
          assert.equal(e.kind, 'unauthorized');
          assert.match(e.message, /access_token/);
          assert.match(e.message, /kaggle\.json/);
          return true;
        },
      );
    },
  );
});

void test('429 with Retry-After seconds is waited, 503 backs off, then success', async () => {
  await withServer(
    {
      [STATUS]: [
        json({ code: 429, message: 'slow down' }, 429, { 'Retry-After': '2' }),
        json({}, 503),
        json({ status: 'COMPLETE' }),
      ],
    },
    {},
    async (http, delays) => {
      const retries: string[] = [];
      const counted = new KaggleHttp({
        base: http.base,
        sleep: http.sleep,
        random: () => 0,
        onRetry: (i) => retries.push(i.operation),
      });
      assert.deepEqual(await status(counted), { status: 'COMPLETE' });
      assert.deepEqual(delays, [2000, 1000]);
      assert.deepEqual(retries, ['GetKernelSessionStatus', 'GetKernelSessionStatus']);
    },
  );
});

void test('non-idempotent calls are never retried', async () => {
  await withServer({ [STATUS]: [json({}, 500)] }, {}, async (http, delays, server) => {
    await assert.rejects(status(http, false), KaggleApiError);
    assert.equal(server.requests.length, 1);
    assert.deepEqual(delays, []);
  });
});

void test('a dropped connection is a retryable KaggleConnectionError', async () => {
  await withServer(
    { [STATUS]: [dropConnection, json({ status: 'RUNNING' })] },
    {},
    async (http) => {
      assert.deepEqual(await status(http), { status: 'RUNNING' });
    },
  );
  await withServer({ [STATUS]: dropConnection }, { maxAttempts: 2 }, async (http, _d, server) => {
    await assert.rejects(
      status(http),
      (e: unknown) => e instanceof KaggleConnectionError && !e.notDelivered,
    );
    assert.equal(server.requests.length, 2);
  });
});

void test('connection refused: not delivered, retried, then reported with the endpoint', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const { sleep, delays } = recordingSleep();
  const http = new KaggleHttp({ base: `http://127.0.0.1:${port}`, sleep, maxAttempts: 3 });
  await assert.rejects(status(http), (e: unknown) => {
    assert.ok(e instanceof KaggleConnectionError);
    assert.equal(e.notDelivered, true);
    assert.match(e.message, /ECONNREFUSED/);
    assert.ok(e.message.includes(`127.0.0.1:${port}`));
    return true;
  });
  assert.equal(delays.length, 2);
});

void test('each attempt has a time limit; timeouts are retried', async () => {
  const never: Handler = () => undefined; // holds the request open
  await withServer(
    { [STATUS]: never },
    { timeoutMs: await scaled(100), maxAttempts: 2 },
    async (http, delays, server) => {
      await assert.rejects(status(http), KaggleTimeoutError);
      // Retried once, after one backoff. On a loaded machine an attempt's time may run out
      // before its request reached the server, so the server may have seen only one.
      assert.equal(delays.length, 1);
      assert.ok(server.requests.length >= 1 && server.requests.length <= 2);
    },
  );
});

void test("the caller's abort passes through untouched and is not retried", async () => {
  const controller = new AbortController();
  const abortNow: Handler = () => controller.abort(new Error('user pressed Ctrl-C'));
  await withServer({ [STATUS]: abortNow }, {}, async (http, _d, server) => {
    await assert.rejects(
      http.rpc('kernels.KernelsApiService', 'GetKernelSessionStatus', body, {
        idempotent: true,
        signal: controller.signal,
      }),
      /user pressed Ctrl-C/,
    );
    assert.equal(server.requests.length, 1);
  });
});

void test('oversized, malformed or non-object 200 bodies are clean KaggleApiErrors', async () => {
  const big: Handler = (_r, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ data: 'x'.repeat(5000) }));
  };
  const chunked: Handler = (_r, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' }); // no Content-Length
    res.write('{"data": "');
    res.write('x'.repeat(5000));
    res.end('"}');
  };
  await withServer(
    {
      [STATUS]: [
        big,
        chunked,
        json('{"status": "RUN'),
        json('[1, 2]'),
        (_r, res) => void res.writeHead(200).end('hello'),
      ],
    },
    { maxBodyBytes: 1024 },
    async (http) => {
      for (const pattern of [
        /larger than 1024 bytes/,
        /larger than 1024 bytes/,
        /not JSON/,
        /not a JSON object/,
        /not JSON/,
      ]) {
        await assert.rejects(status(http), (e: unknown) => {
          assert.ok(e instanceof KaggleApiError);
          assert.equal(e.kind, 'invalid-response');
          assert.match(e.message, pattern);
          return true;
        });
      }
    },
  );
});
