import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InternalError, UsageError } from '../../src/errors.js';
import { KaggleApiError } from '../../src/kaggle/errors.js';
import { KaggleApiPlatform } from '../../src/kaggle/kaggle-platform.js';
import type { KaggleApiPlatformOptions } from '../../src/kaggle/kaggle-platform.js';
import type { PushRequest, RunHandle, WatchEvent } from '../../src/platform/platform.js';
import { json, kernelsRpc, recordingSleep, sendJson, startServer } from './helpers/fake-server.js';
import type { FakeServer, Handler } from './helpers/fake-server.js';

const STATUS = kernelsRpc('GetKernelSessionStatus');
const LOGS = 'GET /v1/kernels/logs/stream/alice/k';
const handle: RunHandle = { platform: 'kaggle', kernel: 'alice/k', version: 2, nonce: 'n1' };
const env = { KAGGLE_USERNAME: 'alice', KAGGLE_KEY: 'alicekey1234' };

const request: PushRequest = {
  runId: 'r1',
  nonce: 'n1',
  slug: 'kaggle-run-hello',
  title: 'kaggle-run hello',
  source: 'print("hi")\n',
  inputs: [],
  accelerator: 't4x2',
  timeoutSeconds: 3600,
  internet: false,
  private: true,
  datasets: ['alice/data'],
};

async function withPlatform(
  routes: Record<string, Handler | Handler[]>,
  options: Partial<KaggleApiPlatformOptions>,
  run: (platform: KaggleApiPlatform, server: FakeServer) => Promise<void>,
): Promise<void> {
  const server = await startServer(routes);
  try {
    const platform = new KaggleApiPlatform({
      endpoint: server.url,
      env,
      home: '/nonexistent-home',
      sleep: recordingSleep().sleep,
      ...options,
    });
    await run(platform, server);
  } finally {
    await server.close();
  }
}

async function collect(events: AsyncIterable<WatchEvent>): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const sseLog =
  (lines: string[]): Handler =>
  (_r, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    const events = lines.map(
      (l) => `data: ${JSON.stringify({ stream_name: 'stdout', time: 1, data: l })}\n\n`,
    );
    res.end(`${events.join('')}data: END_OF_LOG\n\n`);
  };

const datasetsRpc = (method: string) => `POST /v1/datasets.DatasetApiService/${method}`;
const modelsRpc = (method: string) => `POST /v1/models.ModelApiService/${method}`;
const competitionsRpc = (method: string) => `POST /v1/competitions.CompetitionApiService/${method}`;
/** GetDataset of alice/data, at version 4. */
const aliceData = json({ ref: 'alice/data', currentVersionNumber: 4 });

void test('push: SaveKernel for the authenticated owner with every field; the handle back', async () => {
  const warnings: string[] = [];
  await withPlatform(
    {
      [datasetsRpc('GetDataset')]: [aliceData, aliceData],
      [kernelsRpc('GetKernel')]: json({ code: 404, message: 'Not found' }, 404),
      [kernelsRpc('SaveKernel')]: json({
        ref: 'alice/kaggle-run-hello',
        url: 'https://www.kaggle.com/code/alice/kaggle-run-hello',
        versionNumber: 1,
      }),
    },
    { onWarning: (w) => warnings.push(w) },
    async (platform, server) => {
      const pushed = await platform.push(request);
      assert.deepEqual(pushed, {
        platform: 'kaggle',
        kernel: 'alice/kaggle-run-hello',
        version: 1,
        nonce: 'n1',
        url: 'https://www.kaggle.com/code/alice/kaggle-run-hello',
      });
      const body = server.calls(kernelsRpc('SaveKernel'))[0]?.body ?? '';
      assert.equal(
        body,
        JSON.stringify({
          slug: 'alice/kaggle-run-hello',
          newTitle: 'kaggle-run hello',
          text: 'print("hi")\n',
          language: 'python',
          kernelType: 'script',
          datasetDataSources: ['alice/data'],
          isPrivate: true,
          enableGpu: true,
          enableInternet: false,
          enableTpu: false,
          sessionTimeoutSeconds: 3720, // the harness stops the job at 3600: 2 minutes to write its manifest
          machineShape: 'NvidiaTeslaT4',
        }),
      );
      assert.deepEqual(warnings, []);
      await platform.push({ ...request, title: 'Something else' }).catch(() => undefined);
      assert.match(warnings[0] ?? '', /does not slugify to kaggle-run-hello/);
    },
  );
});

void test('push: attached sources and the docker image go in the SaveKernel body as the CLI spells them', async () => {
  const saved = json({ ref: 'alice/kaggle-run-hello', url: 'u', versionNumber: 2 });
  // The source kernel exists; the pushed one does not yet.
  const getKernel: Handler = (call, response) =>
    call.body.includes('"bob"')
      ? sendJson(response, 200, { metadata: { ref: 'bob/features', currentVersionNumber: 3 } })
      : sendJson(response, 404, { code: 404, message: 'Not found' });
  await withPlatform(
    {
      [datasetsRpc('GetDataset')]: [aliceData, aliceData],
      [competitionsRpc('ApiListDataFiles')]: json({ files: [{ name: 'train.csv' }] }),
      [modelsRpc('ApiGetModelInstance')]: json({ slug: '2b', versionNumber: 1 }),
      [kernelsRpc('GetKernel')]: getKernel,
      [kernelsRpc('SaveKernel')]: [saved, saved],
    },
    {},
    async (platform, server) => {
      await platform.push({
        ...request,
        competitions: ['titanic'],
        models: ['google/gemma/pytorch/2b/1'],
        kernels: ['bob/features/3'],
        image: { pinning: 'latest' },
      });
      await platform.push({
        ...request,
        image: { image: 'gcr.io/kaggle-images/python@sha256:ab' },
      });
      const [first, second] = server
        .calls(kernelsRpc('SaveKernel'))
        .map((c) => JSON.parse(c.body) as Record<string, unknown>);
      assert.deepEqual(first?.competitionDataSources, ['titanic']);
      assert.deepEqual(first?.modelDataSources, ['google/gemma/pytorch/2b/1']);
      assert.deepEqual(first?.kernelDataSources, ['bob/features/3']);
      assert.equal(first?.dockerImagePinningType, 'latest');
      assert.equal(first?.dockerImage, undefined);
      assert.equal(second?.dockerImage, 'gcr.io/kaggle-images/python@sha256:ab');
      assert.equal(second?.dockerImagePinningType, 'original');
      assert.equal(second?.competitionDataSources, undefined, 'empty lists are left out');
      // Each source was looked up before the push, with the SDK's bodies.
      assert.deepEqual(
        server.calls(modelsRpc('ApiGetModelInstance')).map((c) => JSON.parse(c.body) as unknown),
        [
          {
            ownerSlug: 'google',
            modelSlug: 'gemma',
            framework: 'MODEL_FRAMEWORK_PY_TORCH',
            instanceSlug: '2b',
          },
        ],
      );
      assert.deepEqual(
        server.calls(competitionsRpc('ApiListDataFiles')).map((c) => c.body),
        ['{"competitionName":"titanic","pageSize":1}'],
      );
    },
  );
});

void test('push: a source that does not exist stops the push before any session starts', async () => {
  await withPlatform(
    {
      [datasetsRpc('GetDataset')]: [aliceData, json({ code: 404, message: 'Not found' }, 404)],
      [modelsRpc('ApiGetModelInstance')]: json({ slug: '2b', versionNumber: 1 }),
      [kernelsRpc('GetKernel')]: json({ code: 404, message: 'Not found' }, 404),
    },
    {},
    async (platform, server) => {
      await assert.rejects(
        platform.push({
          ...request,
          datasets: ['alice/data/9', 'alice/typo'],
          models: ['google/gemma/pytorch/2b/2'],
        }),
        (e: unknown) =>
          e instanceof UsageError &&
          e.message ===
            'Kaggle cannot attach datasets alice/data/9, alice/typo; models google/gemma/pytorch/2b/2',
      );
      assert.equal(server.calls(kernelsRpc('SaveKernel')).length, 0);
    },
  );
});

void test('push: an accepted push that lists sources it could not attach is an error naming the version', async () => {
  await withPlatform(
    {
      [datasetsRpc('GetDataset')]: aliceData,
      [kernelsRpc('GetKernel')]: json({ code: 404, message: 'Not found' }, 404),
      // As Kaggle answers when a source went away between the check and the push: no error.
      [kernelsRpc('SaveKernel')]: json({
        ref: 'alice/kaggle-run-hello',
        url: 'u',
        versionNumber: 7,
        invalidDatasetSources: ['alice/data'],
      }),
    },
    {},
    async (platform) => {
      await assert.rejects(
        platform.push(request),
        (e: unknown) =>
          e instanceof UsageError &&
          /cannot attach datasets alice\/data: version 7 of alice\/kaggle-run-hello was pushed and runs without them/.test(
            e.message,
          ),
      );
    },
  );
});

void test('push refuses local input files (code and data ship as datasets) before any request', async () => {
  await withPlatform({}, {}, async (platform, server) => {
    await assert.rejects(
      platform.push({ ...request, inputs: [{ localPath: '/x', target: 'x' }] }),
      (e: unknown) => e instanceof InternalError && /ship as datasets/.test(e.message),
    );
    assert.equal(server.requests.length, 0);
  });
});

void test('watch: statuses in order (404 right after the push is unknown), the log, terminal last', async () => {
  const statuses = [
    json({ code: 404, message: 'no session' }, 404),
    json({}),
    json({ status: 'RUNNING' }),
    json({ status: 'RUNNING' }),
    json({ status: 'COMPLETE' }),
  ];
  await withPlatform(
    { [STATUS]: statuses, [LOGS]: sseLog(['hello\n', 'world\n']) },
    {},
    async (platform) => {
      const events = await collect(platform.watch(handle));
      // Lines that arrive together come as one log event: the text is what counts.
      assert.equal(
        events
          .filter((e) => e.type === 'log')
          .map((e) => e.text)
          .join(''),
        'hello\nworld\n',
      );
      assert.deepEqual(
        events.filter((e) => e.type === 'status').map((e) => e.status),
        ['unknown', 'queued', 'running', 'complete'],
      );
      assert.deepEqual(events.at(-1), { type: 'status', status: 'complete', message: undefined });
    },
  );
});

void test(
  'END_OF_LOG triggers the status check at once, whatever the cadence says',
  { timeout: 10_000 },
  async () => {
    // A sleep that only ends when woken: the poller can only move on if END_OF_LOG wakes it.
    const sleepUntilWoken = (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) =>
        signal?.addEventListener('abort', () => resolve(), { once: true }),
      );
    await withPlatform(
      {
        [STATUS]: [
          json({ status: 'RUNNING' }),
          json({ status: 'ERROR', failureMessage: 'exit 1' }),
        ],
        [LOGS]: sseLog(['Traceback\n']),
      },
      { sleep: sleepUntilWoken },
      async (platform) => {
        const events = await collect(platform.watch(handle));
        assert.deepEqual(events.at(-1), { type: 'status', status: 'error', message: 'exit 1' });
        assert.ok(events.some((e) => e.type === 'log' && e.text === 'Traceback\n'));
      },
    );
  },
);

void test('a run already over: the persisted log comes before the terminal status, once', async () => {
  const persisted: Handler = (_r, res) =>
    void res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify([{ stream_name: 'stdout', time: 1, data: 'done\n' }]));
  await withPlatform(
    { [STATUS]: json({ status: 'complete' }), [LOGS]: persisted },
    {},
    async (platform) => {
      const events = await collect(platform.watch(handle));
      assert.deepEqual(events, [
        { type: 'log', stream: 'stdout', text: 'done\n' },
        { type: 'status', status: 'complete', message: undefined },
      ]);
    },
  );
});

void test('a status that stays unknown past the grace period fails the watch with the real error', async () => {
  let clock = 0;
  const sleep = (ms: number) => {
    clock += ms;
    return Promise.resolve();
  };
  const gone = json({ code: 404, message: 'no such kernel' }, 404);
  await withPlatform(
    { [STATUS]: gone, [LOGS]: gone },
    { sleep, now: () => clock, unknownGraceMs: 60_000 },
    async (platform) => {
      await assert.rejects(
        collect(platform.watch(handle)),
        (e: unknown) => e instanceof KaggleApiError && e.kind === 'not-found',
      );
    },
  );
});

void test('status: 404 is unknown; failure messages come along', async () => {
  await withPlatform(
    { [STATUS]: [json({}, 404), json({ status: 'ERROR', failureMessage: 'OOM' })] },
    {},
    async (platform) => {
      assert.equal((await platform.status(handle)).status, 'unknown');
      assert.deepEqual(await platform.status(handle), { status: 'error', message: 'OOM' });
    },
  );
});

void test('listOutputs reads every page; download uses the listed URL on another host', async () => {
  const files = await startServer({
    'GET /files/a.csv': (_r, res) => void res.writeHead(200).end('a,b\n1,2\n'),
    'GET /files/sub/model.txt': (_r, res) => void res.writeHead(200).end('weights'),
  });
  const OUTPUT = kernelsRpc('ListKernelSessionOutput');
  const page1 = json({
    files: [{ fileName: 'a.csv', url: `${files.url}/files/a.csv` }],
    nextPageToken: 't2',
  });
  const page2 = json({
    files: [{ fileName: 'sub/model.txt', url: `${files.url}/files/sub/model.txt` }],
  });
  const dir = await mkdtemp(join(tmpdir(), 'kr-plat-'));
  try {
    await withPlatform({ [OUTPUT]: [page1, page2, page1, page2] }, {}, async (platform, server) => {
      assert.deepEqual(await platform.listOutputs(handle), [
        { path: 'a.csv' },
        { path: 'sub/model.txt' },
      ]);
      await platform.download(handle, { path: 'sub/model.txt' }, join(dir, 'sub', 'model.txt'));
      assert.equal(await readFile(join(dir, 'sub', 'model.txt'), 'utf8'), 'weights');
      assert.equal(server.calls(OUTPUT).length, 2); // the cached listing served the URL
      await assert.rejects(
        platform.download(handle, { path: 'nope.bin' }, join(dir, 'nope')),
        /no output file "nope.bin"/,
      );
      assert.equal(server.calls(OUTPUT).length, 4); // an unknown path re-lists once
      assert.equal(files.requests[0]?.headers.authorization, undefined);
    });
  } finally {
    await files.close();
    await rm(dir, { recursive: true, force: true });
  }
});

void test('an expired signed URL is refreshed by listing again', async () => {
  const files = await startServer({
    'GET /old/a.csv': (_r, res) =>
      void res.writeHead(403, { 'Content-Type': 'text/plain' }).end('expired'),
    'GET /new/a.csv': (_r, res) => void res.writeHead(200).end('fresh'),
  });
  const OUTPUT = kernelsRpc('ListKernelSessionOutput');
  const listing = (dir: string) =>
    json({ files: [{ fileName: 'a.csv', url: `${files.url}/${dir}/a.csv` }] });
  const dir = await mkdtemp(join(tmpdir(), 'kr-plat-'));
  try {
    await withPlatform({ [OUTPUT]: [listing('old'), listing('new')] }, {}, async (platform) => {
      await platform.listOutputs(handle);
      await platform.download(handle, { path: 'a.csv' }, join(dir, 'a.csv'));
      assert.equal(await readFile(join(dir, 'a.csv'), 'utf8'), 'fresh');
    });
  } finally {
    await files.close();
    await rm(dir, { recursive: true, force: true });
  }
});

void test("the caller's abort ends a watch with its reason", async () => {
  const controller = new AbortController();
  const running: Handler = (_r, res) => {
    controller.abort(new Error('interrupted by user'));
    sendJson(res, 200, { status: 'RUNNING' });
  };
  const never: Handler = () => undefined;
  await withPlatform({ [STATUS]: running, [LOGS]: never }, {}, async (platform) => {
    await assert.rejects(collect(platform.watch(handle, controller.signal)), /interrupted by user/);
  });
});
