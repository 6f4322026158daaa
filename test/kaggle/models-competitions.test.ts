// The models, competitions and kernel output clients against a kaggle-run server with seeded
// folders: lookups, file listings over pages, downloads through the signed URLs they redirect
// to, and "not found" as undefined where a caller checks a name before a push.

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { connectKaggle } from '../../src/kaggle/client.js';
import { frameworkEnum } from '../../src/kaggle/models.js';
import { ME, push, scriptPush, startTestServer, tempDir, waitForEnd } from '../server/helpers.js';
import { recordingSleep } from './helpers/fake-server.js';

async function seed(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

void test('models, competitions and kernel outputs: lookups, pages and downloads', async (t) => {
  const seedDir = await tempDir(t);
  const weights = Object.fromEntries(
    Array.from({ length: 30 }, (_, i) => [`shard-${String(i).padStart(2, '0')}.bin`, `w${i}`]),
  );
  await seed(seedDir, {
    ...Object.fromEntries(
      Object.entries(weights).map(([n, c]) => [`models/acme/net/pytorch/base/3/${n}`, c]),
    ),
    'models/acme/net/pytorch/base/1/old.bin': 'old',
    ...Object.fromEntries(
      Array.from({ length: 25 }, (_, i) => [`competitions/acme-comp/f${i}.csv`, `${i}\n`]),
    ),
  });
  const server = await startTestServer(t, { seedDir });
  const home = await tempDir(t);
  const client = await connectKaggle({
    endpoint: server.url,
    home,
    sleep: recordingSleep().sleep,
    env: { KAGGLE_USERNAME: ME.username, KAGGLE_KEY: ME.key },
  });

  assert.equal(frameworkEnum('PyTorch'), 'MODEL_FRAMEWORK_PY_TORCH');
  assert.equal(frameworkEnum('tensorflow2'), 'MODEL_FRAMEWORK_TENSOR_FLOW_2');
  assert.equal(frameworkEnum('abacus'), undefined);
  const ref = { owner: 'acme', model: 'net', framework: 'pytorch', variation: 'base' };
  assert.deepEqual(await client.models.getModelInstance(ref), { versionNumber: 3 });
  assert.equal(await client.models.getModelInstance({ ...ref, variation: 'large' }), undefined);
  const files = await client.models.listFiles(ref, 3, { pageSize: 7 });
  assert.deepEqual(
    files.map((f) => f.name),
    Object.keys(weights),
  );
  const fileUrl = await client.models.downloadUrl(ref, 3, 'shard-07.bin');
  await client.kernels.downloadFile(fileUrl, join(home, 'shard.bin'));
  assert.equal(await readFile(join(home, 'shard.bin'), 'utf8'), 'w7');
  const oldUrl = await client.models.downloadUrl(ref, 1);
  assert.match(oldUrl, /\/model\.zip$/);

  assert.equal(await client.competitions.readable('acme-comp'), true);
  assert.equal(await client.competitions.readable('no-such-comp'), false);
  const data = await client.competitions.listDataFiles('acme-comp', { pageSize: 10 });
  assert.equal(data?.length, 25);
  assert.equal(await client.competitions.listDataFiles('no-such-comp'), undefined);
  const csvUrl = await client.competitions.downloadUrl('acme-comp', 'f3.csv');
  await client.kernels.downloadFile(csvUrl, join(home, 'f3.csv'));
  assert.equal(await readFile(join(home, 'f3.csv'), 'utf8'), '3\n');
  assert.match(await client.competitions.downloadUrl('acme-comp'), /\/acme-comp\.zip$/);

  await push(server, scriptPush('outputs-kernel', "open('result.txt', 'w').write('done')"));
  assert.deepEqual(await waitForEnd(server, 'outputs-kernel'), { status: 'COMPLETE' });
  const outUrl = await client.kernels.downloadOutputUrl('me', 'outputs-kernel', {
    filePath: 'result.txt',
    version: 1,
  });
  await client.kernels.downloadFile(outUrl, join(home, 'result.txt'));
  assert.equal(await readFile(join(home, 'result.txt'), 'utf8'), 'done');
  await assert.rejects(
    client.kernels.downloadOutputUrl('me', 'outputs-kernel', { filePath: 'nope.txt' }),
    /has no output file "nope\.txt"/,
  );
});
