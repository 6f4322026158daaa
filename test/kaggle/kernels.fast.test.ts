import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KaggleApiError, PushRejectedError, SessionCapError } from '../../src/kaggle/errors.js';
import { KaggleHttp } from '../../src/kaggle/http.js';
import { parseKernelRef, slugify } from '../../src/kaggle/kernel-ref.js';
import { KernelsApi, acceleratorFields } from '../../src/kaggle/kernels.js';
import { UsageError } from '../../src/errors.js';
import { json, kernelsRpc, recordingSleep, startServer } from './helpers/fake-server.js';
import type { FakeServer, Handler } from './helpers/fake-server.js';

async function withApi(
  routes: Record<string, Handler | Handler[]>,
  run: (api: KernelsApi, server: FakeServer) => Promise<void>,
): Promise<void> {
  const server = await startServer(routes);
  try {
    await run(
      new KernelsApi(new KaggleHttp({ base: server.url, sleep: recordingSleep().sleep })),
      server,
    );
  } finally {
    await server.close();
  }
}

const bodyOf = (server: FakeServer, key: string, i = 0): unknown =>
  JSON.parse(server.calls(key)[i]?.body ?? 'null');

void test('SaveKernel: proto key order, optional false and "" sent, empty lists omitted', async () => {
  const SAVE = kernelsRpc('SaveKernel');
  await withApi(
    { [SAVE]: json({ ref: 'me/k', url: 'https://k', versionNumber: 3, kernelId: '42' }) },
    async (api, server) => {
      const saved = await api.saveKernel({
        machineShape: '',
        enableInternet: false,
        slug: 'me/k',
        text: 'print(1)',
        isPrivate: false,
        datasetDataSources: [],
        kernelDataSources: ['o/x'],
        sessionTimeoutSeconds: 0,
        dockerImage: undefined,
      });
      assert.deepEqual(saved, {
        ref: 'me/k',
        url: 'https://k',
        versionNumber: 3,
        kernelId: 42,
        invalid: { tags: [], datasets: [], competitions: [], kernels: [], models: [] },
      });
      const raw = server.calls(SAVE)[0]?.body ?? '';
      assert.equal(
        raw,
        '{"slug":"me/k","text":"print(1)","kernelDataSources":["o/x"],"isPrivate":false,"enableInternet":false,"sessionTimeoutSeconds":0,"machineShape":""}',
      );
    },
  );
});

void test('SaveKernel rejections inside a 200 body: the text, invalid sources, the session cap', async () => {
  const SAVE = kernelsRpc('SaveKernel');
  await withApi(
    {
      [SAVE]: [
        json({
          ref: null,
          url: null,
          versionNumber: null,
          error: 'Kernel not found',
          invalidDatasetSources: ['me/gone'],
          invalidTags: ['x'],
        }),
        json({ error: 'Maximum batch GPU session count of 2 reached.' }),
      ],
    },
    async (api) => {
      await assert.rejects(api.saveKernel({ slug: 'me/k' }), (e: unknown) => {
        assert.ok(e instanceof PushRejectedError && !(e instanceof SessionCapError));
        assert.equal(e.serverMessage, 'Kernel not found');
        assert.deepEqual(e.invalid.datasets, ['me/gone']);
        assert.match(e.message, /Kernel not found; invalid tags: x; invalid datasets: me\/gone/);
        return true;
      });
      await assert.rejects(api.saveKernel({ slug: 'me/k' }), (e: unknown) => {
        assert.ok(e instanceof SessionCapError);
        assert.equal(e.maxSessions, 2);
        assert.match(e.hint ?? '', /at most 2 GPU sessions/);
        return true;
      });
    },
  );
});

void test('GetKernelSessionStatus: body, lenient status, empty failure message dropped', async () => {
  const STATUS = kernelsRpc('GetKernelSessionStatus');
  await withApi(
    {
      [STATUS]: [
        json({}),
        json({ status: 'error', failureMessage: 'boom' }),
        json({ status: 'ok' }),
      ],
    },
    async (api, server) => {
      assert.deepEqual(await api.getKernelSessionStatus('me', 'k'), {
        status: 'QUEUED',
        failureMessage: undefined,
      });
      assert.deepEqual(await api.getKernelSessionStatus('me', 'k'), {
        status: 'ERROR',
        failureMessage: 'boom',
      });
      await assert.rejects(api.getKernelSessionStatus('me', 'k'), KaggleApiError);
      assert.deepEqual(bodyOf(server, STATUS), { userName: 'me', kernelSlug: 'k' });
    },
  );
});

void test('ListKernelSessionOutput follows nextPageToken; the log comes from page 1', async () => {
  const OUTPUT = kernelsRpc('ListKernelSessionOutput');
  await withApi(
    {
      [OUTPUT]: [
        json({ files: [{ fileName: 'a.csv', url: 'http://x/a' }], log: '[]', nextPageToken: 'p2' }),
        json({
          files: [{ fileName: 'sub/b.txt', url: 'http://x/b' }],
          log: 'ignored',
          nextPageToken: 'p3',
        }),
        json({ files: [], nextPageToken: '' }),
      ],
    },
    async (api, server) => {
      const listing = await api.listKernelSessionOutput('me', 'k');
      assert.deepEqual(listing, {
        files: [
          { fileName: 'a.csv', url: 'http://x/a' },
          { fileName: 'sub/b.txt', url: 'http://x/b' },
        ],
        log: '[]',
      });
      assert.deepEqual(bodyOf(server, OUTPUT, 0), {
        userName: 'me',
        kernelSlug: 'k',
        pageSize: 20,
      });
      assert.deepEqual(bodyOf(server, OUTPUT, 1), {
        userName: 'me',
        kernelSlug: 'k',
        pageSize: 20,
        pageToken: 'p2',
      });
    },
  );
});

void test('a page token that repeats is an error, not an endless loop', async () => {
  await withApi(
    { [kernelsRpc('ListKernelSessionOutput')]: json({ files: [], nextPageToken: 'same' }) },
    async (api, server) => {
      await assert.rejects(api.listKernelSessionOutput('me', 'k'), /repeats/);
      assert.equal(server.requests.length, 2);
    },
  );
});

void test('GetKernel, ListKernels, ListKernelFiles, DeleteKernel, quota: bodies and parsing', async () => {
  await withApi(
    {
      [kernelsRpc('GetKernel')]: json({
        metadata: {
          id: 7,
          ref: 'me/k',
          title: 'K',
          slug: 'k',
          currentVersionNumber: 4,
          isPrivate: true,
          machineShape: 'NvidiaTeslaT4',
        },
        blob: { source: 'print(1)', language: 'python', kernelType: 'script' },
      }),
      [kernelsRpc('ListKernels')]: json({
        kernels: [{ ref: 'me/k', title: 'K' }],
        nextPageToken: '',
      }),
      [kernelsRpc('ListKernelFiles')]: json({
        files: [{ name: 'a', size: '12', creationDate: 'today' }],
        nextPageToken: 'n',
      }),
      [kernelsRpc('DeleteKernel')]: [json({}), json({ errorMessage: 'not yours' })],
      [kernelsRpc('GetAcceleratorQuotaStatistics')]: json({
        quotaRefreshTime: '2026-07-04T00:00:00Z',
        gpuQuota: { timeUsed: '151.500s', totalTimeAllowed: '108000s', hasEverRun: true },
      }),
    },
    async (api, server) => {
      const kernel = await api.getKernel('me', 'k');
      assert.equal(kernel.metadata.currentVersionNumber, 4);
      assert.equal(kernel.metadata.machineShape, 'NvidiaTeslaT4');
      assert.equal(kernel.blob?.source, 'print(1)');

      const list = await api.listKernels({ group: 'PROFILE', pageSize: 500, sortBy: 'HOTNESS' });
      assert.equal(list.kernels[0]?.ref, 'me/k');
      assert.equal(list.nextPageToken, undefined);
      assert.deepEqual(bodyOf(server, kernelsRpc('ListKernels')), {
        competition: '',
        dataset: '',
        parentKernel: '',
        group: 'PROFILE',
        kernelType: 'all',
        language: 'all',
        outputType: 'all',
        search: '',
        user: '',
        page: 1,
        pageSize: 100,
      });

      const files = await api.listKernelFiles('me', 'k', { pageToken: 't' });
      assert.deepEqual(files, {
        files: [{ name: 'a', size: 12, creationDate: 'today' }],
        nextPageToken: 'n',
      });
      assert.deepEqual(bodyOf(server, kernelsRpc('ListKernelFiles')), {
        userName: 'me',
        kernelSlug: 'k',
        pageSize: 20,
        pageToken: 't',
      });

      await api.deleteKernel('me', 'k');
      await assert.rejects(api.deleteKernel('me', 'k'), /not yours/);

      const quota = await api.getAcceleratorQuotaStatistics();
      assert.equal(quota.refreshTime, '2026-07-04T00:00:00Z');
      assert.deepEqual(quota.gpu, {
        usedSeconds: 151.5,
        reservedSeconds: 0,
        allowedSeconds: 108000,
        minimumAllowedSeconds: 0,
        isPayToScaleEnabled: false,
        hasEverRun: true,
      });
      assert.equal(quota.tpu.allowedSeconds, 0);
      assert.equal(server.calls(kernelsRpc('GetAcceleratorQuotaStatistics'))[0]?.body, '{}');
    },
  );
});

void test('a response field of the wrong type is a clean error naming the field', async () => {
  await withApi(
    { [kernelsRpc('GetKernel')]: json({ metadata: { currentVersionNumber: 'four' } }) },
    async (api) => {
      await assert.rejects(api.getKernel('me', 'k'), /currentVersionNumber should be an integer/);
    },
  );
});

void test('accelerator names map to SaveKernel machine fields', () => {
  assert.deepEqual(acceleratorFields('none'), {
    enableGpu: false,
    enableTpu: false,
    machineShape: undefined,
  });
  assert.deepEqual(acceleratorFields('p100'), {
    enableGpu: true,
    enableTpu: false,
    machineShape: 'NvidiaTeslaP100',
  });
  assert.deepEqual(acceleratorFields('tpu-v3-8'), {
    enableGpu: false,
    enableTpu: true,
    machineShape: 'TpuV38',
  });
});

void test("slugify follows Kaggle's rule", () => {
  const table: [string, string][] = [
    ['My Test Kernel', 'my-test-kernel'],
    ['  kaggle-run: Hello, World!  ', 'kaggle-run-hello-world'],
    ['Café  déjà vu', 'cafe-deja-vu'],
    ['a__b--c', 'a-b-c'],
    ['ALLCAPS123', 'allcaps123'],
  ];
  for (const [title, slug] of table) assert.equal(slugify(title), slug, title);
});

void test('kernel refs are OWNER/SLUG', () => {
  assert.deepEqual(parseKernelRef('me/k'), { owner: 'me', slug: 'k' });
  for (const bad of ['k', 'me/', '/k', 'me/k/1'])
    assert.throws(() => parseKernelRef(bad), UsageError);
});
