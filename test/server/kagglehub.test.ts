// A kagglehub-using script against the server, offline. kagglehub cannot be installed here, so
// test/fixtures/kagglehub_requests.py sends exactly the requests of its HTTP resolvers (the
// kagglesdk RPCs of current releases, the REST GETs of older ones) with the standard library,
// downloads as its download_file does (resume with Range, MD5 from X-Goog-Hash) and extracts
// the archives. Every kind it can download is asked for: dataset_download,
// model_download (file by file up to 25 files, the archive above), notebook_output_download
// and competition_download, whole and one file.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/util/package-root.js';
import { createDataset, datasets, uploadBlob } from './dataset-helpers.js';
import {
  ME,
  PYTHON,
  push,
  rpc,
  scriptPush,
  startTestServer,
  tempDir,
  waitForEnd,
} from './helpers.js';

const run = promisify(execFile);
const SCRIPT = join(packageRoot(), 'test/fixtures/kagglehub_requests.py');

async function seed(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

const many = Object.fromEntries(
  Array.from({ length: 26 }, (_, i) => [`f${String(i).padStart(2, '0')}.txt`, `file ${i}`]),
);

async function setUp(t: TestContext) {
  const seedDir = await tempDir(t);
  await seed(seedDir, {
    'competitions/hub-comp/train.csv': 'id,y\n1,0\n',
    'competitions/hub-comp/sub/test.csv': 'id\n2\n',
    'models/google/gemma/pytorch/2b/1/weights.bin': 'gemma one',
    'models/google/gemma/pytorch/2b/2/weights.bin': 'gemma two',
    'models/google/gemma/pytorch/2b/2/config/params.json': '{"layers": 2}',
    ...Object.fromEntries(
      Object.entries(many).map(([name, text]) => [
        `models/google/gemma/pytorch/many/1/${name}`,
        text,
      ]),
    ),
  });
  const server = await startTestServer(t, { seedDir, datasetReadyDelayMs: 0 });
  await createDataset(server, 'hub-data', { 'readme.txt': 'first version\n' });
  const version = await rpc(
    server,
    'CreateDatasetVersion',
    {
      ownerSlug: 'me',
      datasetSlug: 'hub-data',
      body: {
        versionNotes: 'v2',
        files: [{ token: await uploadBlob(server, 'readme.txt', 'the readme of version two\n') }],
        directories: [
          { name: 'tables', files: [{ token: await uploadBlob(server, 't.csv', 'a\n1\n') }] },
        ],
      },
    },
    datasets,
  );
  assert.equal(version.body.status, 'Ok');
  await push(
    server,
    scriptPush(
      'hub-notebook',
      "import os\nos.makedirs('plots', exist_ok=True)\nopen('out.csv', 'w').write('p\\n0.5\\n')\nopen('plots/fig.svg', 'w').write('<svg/>')",
    ),
  );
  assert.deepEqual(await waitForEnd(server, 'hub-notebook'), { status: 'COMPLETE' });
  return server;
}

interface Downloaded {
  version: number | null;
  files: Record<string, string>;
}

async function kagglehub(
  server: { url: string },
  mode: 'rpc' | 'rest',
  out: string,
  specs: string[],
): Promise<Record<string, Downloaded> & { resumed: [string, number][] }> {
  const { stdout } = await run(PYTHON, [SCRIPT, mode, server.url, out, ...specs], {
    env: { ...process.env, KAGGLE_USERNAME: ME.username, KAGGLE_KEY: ME.key },
  });
  return JSON.parse(stdout) as Record<string, Downloaded> & { resumed: [string, number][] };
}

const expected = (framework: string) => ({
  'dataset:me/hub-data': {
    version: 2,
    files: { 'readme.txt': 'the readme of version two\n', 'tables/t.csv': 'a\n1\n' },
  },
  'dataset:me/hub-data:readme.txt': {
    version: 2,
    files: { 'readme.txt': 'the readme of version two\n' },
  },
  [`model:google/gemma/${framework}/2b`]: {
    version: 2,
    files: { 'weights.bin': 'gemma two', 'config/params.json': '{"layers": 2}' },
  },
  [`model:google/gemma/${framework}/many`]: { version: 1, files: many },
  [`model:google/gemma/${framework}/2b:weights.bin`]: {
    version: 2,
    files: { 'weights.bin': 'gemma two' },
  },
  'notebook:me/hub-notebook': {
    version: 1,
    files: { 'out.csv': 'p\n0.5\n', 'plots/fig.svg': '<svg/>' },
  },
  'notebook:me/hub-notebook:out.csv': { version: 1, files: { 'out.csv': 'p\n0.5\n' } },
  'competition:hub-comp': {
    version: null,
    files: { 'train.csv': 'id,y\n1,0\n', 'sub/test.csv': 'id\n2\n' },
  },
  'competition:hub-comp:train.csv': { version: null, files: { 'train.csv': 'id,y\n1,0\n' } },
});

for (const [mode, framework] of [
  ['rpc', 'MODEL_FRAMEWORK_PY_TORCH'],
  ['rest', 'pyTorch'],
] as const) {
  void test(`kagglehub's ${mode === 'rpc' ? 'kagglesdk calls' : 'older REST GETs'} resolve and download every kind offline`, async (t) => {
    const server = await setUp(t);
    const out = await tempDir(t);
    // A download cut short earlier: kagglehub resumes it with Range and checks the whole MD5.
    await seed(join(out, 'dataset', 'me_hub-data@readme.txt'), { 'readme.txt': 'the readme' });
    const want = expected(framework);
    const got = await kagglehub(server, mode, out, Object.keys(want));
    const { resumed, ...downloads } = got;
    assert.deepEqual(downloads, want);
    assert.deepEqual(resumed, [['readme.txt', 10]]);
    const requests = server.stats().requests;
    if (mode === 'rpc') {
      for (const method of [
        'datasets.DatasetApiService/GetDataset',
        'datasets.DatasetApiService/DownloadDataset',
        'models.ModelApiService/ApiGetModelInstance',
        'models.ModelApiService/ApiListModelInstanceVersionFiles',
        'models.ModelApiService/ApiDownloadModelInstanceVersion',
        'kernels.KernelsApiService/GetKernel',
        'kernels.KernelsApiService/DownloadKernelOutput',
        'competitions.CompetitionApiService/ApiDownloadDataFiles',
        'competitions.CompetitionApiService/ApiDownloadDataFile',
      ]) {
        assert.ok((requests[method] ?? 0) > 0, `${method} was called`);
      }
    } else {
      assert.ok((requests['GET /v1/datasets/view'] ?? 0) > 0);
      assert.ok((requests['GET /v1/models/download'] ?? 0) > 0);
      assert.ok((requests['GET /v1/competitions/data/download-all'] ?? 0) > 0);
    }
    assert.ok((requests['GET /files'] ?? 0) > 0);
  });
}

void test('kagglehub gets clear errors for what does not exist or is not finished', async (t) => {
  const server = await setUp(t);
  const calls: [string, string, unknown][] = [
    [
      'models.ModelApiService',
      'ApiGetModelInstance',
      {
        ownerSlug: 'google',
        modelSlug: 'gemma',
        framework: 'MODEL_FRAMEWORK_JAX',
        instanceSlug: '2b',
      },
    ],
    [
      'models.ModelApiService',
      'ApiDownloadModelInstanceVersion',
      {
        ownerSlug: 'google',
        modelSlug: 'gemma',
        framework: 'MODEL_FRAMEWORK_PY_TORCH',
        instanceSlug: '2b',
        versionNumber: 9,
      },
    ],
    [
      'competitions.CompetitionApiService',
      'ApiDownloadDataFile',
      { competitionName: 'hub-comp', fileName: 'nope.csv' },
    ],
    [
      'competitions.CompetitionApiService',
      'ApiDownloadDataFiles',
      { competitionName: 'no-such-comp' },
    ],
    [
      'kernels.KernelsApiService',
      'DownloadKernelOutput',
      { ownerSlug: 'me', kernelSlug: 'hub-notebook', filePath: 'missing.txt' },
    ],
    [
      'datasets.DatasetApiService',
      'DownloadDataset',
      { ownerSlug: 'me', datasetSlug: 'hub-data', fileName: 'missing.txt' },
    ],
  ];
  for (const [service, method, body] of calls) {
    const answer = await rpc(server, method, body, { service });
    assert.equal(answer.status, 404, `${method} ${JSON.stringify(body)}`);
    assert.match(answer.body.message as string, /not found|has no/);
  }
  // A version still running has no output to download yet.
  await push(server, scriptPush('still-running', 'import time\ntime.sleep(30)'));
  const early = await rpc(server, 'DownloadKernelOutput', {
    ownerSlug: 'me',
    kernelSlug: 'still-running',
  });
  assert.equal(early.status, 404);
  assert.match(early.body.message as string, /once it has finished/);
});
