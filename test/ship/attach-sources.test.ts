// Kaggle sources attached by name from the job spec, end to end through the CLI: a seeded
// competition and model, and another kernel's outputs; bad names exit 2, each one named.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { kaggleEnv, startTestServer, tempDir } from '../server/helpers.js';
import { copyExample, runCli } from '../helpers/cli.js';

const LIST = `import os
root = os.environ["KAGGLE_RUN_INPUT_DIR"]
for base, _dirs, files in sorted(os.walk(root)):
    for name in sorted(files):
        print("input", os.path.relpath(os.path.join(base, name), root))
`;

async function seed(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

void test('competitions, models and kernels named in the spec are mounted under input/', async (t) => {
  const seedDir = await tempDir(t);
  await seed(seedDir, {
    'competitions/titanic/train.csv': 'train',
    'models/google/gemma/pytorch/2b/1/weights.bin': 'w',
  });
  const server = await startTestServer(t, { seedDir });
  const env = await kaggleEnv(t);
  const producer = await copyExample(t, 'hello');
  const made = await runCli(['run', producer, '--kaggle', '--endpoint', server.url], { env });
  assert.equal(made.code, 0, made.stderr);

  const dir = await copyExample(t, 'hello');
  await writeFile(join(dir, 'train.py'), LIST);
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: consumer\nentry: train.py\ncompetitions: [titanic]\nmodels: [google/gemma/pytorch/2b/1]\nkernels: [me/kaggle-run-hello]\n',
  );
  const result = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], {
    env,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal((JSON.parse(result.stdout) as RunRecord).status, 'complete');
  // Kaggle's current layout: competitions/<slug>, models/<owner>/..., notebooks/<owner>/...
  assert.match(result.stderr, /input competitions\/titanic\/train\.csv/);
  assert.match(result.stderr, /input models\/google\/gemma\/pytorch\/2b\/1\/weights\.bin/);
  assert.match(result.stderr, /input notebooks\/me\/kaggle-run-hello\/results\/metrics\.json/);

  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: consumer\nentry: train.py\ncompetitions: [no-such-comp]\nmodels: [x/y/pytorch/z]\n',
  );
  const bad = await runCli(['run', dir, '--kaggle', '--endpoint', server.url], { env });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /cannot attach competitions no-such-comp; models x\/y\/pytorch\/z/);
});
