// Competitions and models seeded as folders (in the data folder and in --seed-dir), mounted
// where Kaggle mounts them: input/competitions/<competition>/ and
// input/models/<owner>/<model>/<framework>/<variation>/<n>/ (or the older flat form).

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  LIST_INPUT,
  kernelStdout,
  push,
  rpc,
  scriptPush,
  startTestServer,
  tempDir,
  waitForEnd,
} from './helpers.js';

async function seed(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

void test('seeded competitions and models are mounted as Kaggle mounts them', async (t) => {
  const dataDir = await tempDir(t);
  const seedDir = await tempDir(t);
  await seed(dataDir, {
    'competitions/titanic/train.csv': 'train',
    'competitions/titanic/extra/test.csv': 'test',
  });
  await seed(seedDir, {
    'models/google/gemma/pytorch/7b/1/weights.bin': 'gemma v1',
    'models/google/gemma/pytorch/7b/2/weights.bin': 'gemma v2',
    'models/google/gemma/pytorch/7b/2/config/params.json': '{}',
    // Only in the seed folder: the data folder's copy of titanic wins over this one.
    'competitions/titanic/train.csv': 'seed copy',
  });
  const server = await startTestServer(t, { dataDir, seedDir });
  await push(
    server,
    scriptPush('sees-sources', LIST_INPUT, {
      competitionDataSources: ['titanic'],
      // No version: the latest (2). The framework is matched and mounted in lower case.
      modelDataSources: ['google/gemma/PyTorch/7b', 'google/gemma/pytorch/7b/1'],
    }),
  );
  assert.deepEqual(await waitForEnd(server, 'sees-sources'), { status: 'COMPLETE' });
  assert.deepEqual((await kernelStdout(server, 'sees-sources')).trim().split('\n'), [
    'competitions/titanic/extra/test.csv=test',
    'competitions/titanic/train.csv=train',
    'models/google/gemma/pytorch/7b/1/weights.bin=gemma v1',
    'models/google/gemma/pytorch/7b/2/config/params.json={}',
    'models/google/gemma/pytorch/7b/2/weights.bin=gemma v2',
  ]);
});

void test('--input-layout legacy mounts the older flat form, both mounts each source twice', async (t) => {
  const dataDir = await tempDir(t);
  await seed(dataDir, {
    'competitions/titanic/train.csv': 'train',
    'models/google/gemma/pytorch/7b/2/weights.bin': 'gemma',
  });
  const sources = {
    competitionDataSources: ['titanic'],
    modelDataSources: ['google/gemma/pytorch/7b/2'],
  };
  const legacy = await startTestServer(t, { dataDir, inputLayout: 'legacy' });
  await push(legacy, scriptPush('sees-legacy', LIST_INPUT, sources));
  assert.deepEqual(await waitForEnd(legacy, 'sees-legacy'), { status: 'COMPLETE' });
  assert.deepEqual((await kernelStdout(legacy, 'sees-legacy')).trim().split('\n'), [
    'gemma/pytorch/7b/2/weights.bin=gemma',
    'titanic/train.csv=train',
  ]);
  await legacy.close();

  const both = await startTestServer(t, { dataDir, inputLayout: 'both' });
  await push(both, scriptPush('sees-both', LIST_INPUT, sources));
  assert.deepEqual(await waitForEnd(both, 'sees-both'), { status: 'COMPLETE' });
  assert.deepEqual((await kernelStdout(both, 'sees-both')).trim().split('\n'), [
    'competitions/titanic/train.csv=train',
    'gemma/pytorch/7b/2/weights.bin=gemma',
    'models/google/gemma/pytorch/7b/2/weights.bin=gemma',
    'titanic/train.csv=train',
  ]);
});

void test('unknown competitions and models are listed in the push answer, not attached', async (t) => {
  const dataDir = await tempDir(t);
  await seed(dataDir, { 'models/me/tiny/keras/base/3/w.h5': 'w' });
  const server = await startTestServer(t, { dataDir });
  const refused = await rpc(
    server,
    'SaveKernel',
    scriptPush('bad-sources', LIST_INPUT, {
      competitionDataSources: ['no-such-competition', '../models'],
      modelDataSources: [
        'me/tiny/keras/base/4',
        'me/tiny/keras/other',
        'me/tiny/keras',
        'me/tiny/keras/base/x',
        'me/tiny/keras/base/3',
      ],
    }),
  );
  assert.equal(refused.status, 200);
  assert.deepEqual(refused.body.invalidCompetitionSources, ['no-such-competition', '../models']);
  assert.deepEqual(refused.body.invalidModelSources, [
    'me/tiny/keras/base/4',
    'me/tiny/keras/other',
    'me/tiny/keras',
    'me/tiny/keras/base/x',
  ]);
  // Accepted as on Kaggle: no error, and the version runs with the one model that exists.
  assert.equal(refused.body.error, undefined);
  assert.deepEqual(await waitForEnd(server, 'bad-sources'), { status: 'COMPLETE' });
  assert.equal(
    (await kernelStdout(server, 'bad-sources')).trim(),
    'models/me/tiny/keras/base/3/w.h5=w',
  );

  // A folder copied in while the server runs counts from the next push.
  await seed(dataDir, { 'competitions/late-comp/a.txt': 'late' });
  await push(
    server,
    scriptPush('late-source', LIST_INPUT, { competitionDataSources: ['late-comp'] }),
  );
  assert.deepEqual(await waitForEnd(server, 'late-source'), { status: 'COMPLETE' });
  assert.equal(
    (await kernelStdout(server, 'late-source')).trim(),
    'competitions/late-comp/a.txt=late',
  );
});
