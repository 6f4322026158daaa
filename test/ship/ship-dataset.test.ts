// Code and data shipped as private datasets, end to end: the real CLI with --kaggle against
// a real `kaggle-run server`, kernels running real Python that reads what arrived.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { sha256Hex } from '../../src/util/hash.js';
import { ME, kaggleEnv, startTestServer } from '../server/helpers.js';
import { copyExample, runCli } from '../helpers/cli.js';

const READ_WEIGHTS = `import hashlib, os
print("weights", hashlib.sha256(open("weights.bin", "rb").read()).hexdigest())
`;

async function runKaggle(dir: string, url: string, env: NodeJS.ProcessEnv, extra: string[] = []) {
  const result = await runCli(['run', dir, '--kaggle', '--endpoint', url, '--json', ...extra], {
    env,
  });
  assert.equal(result.code, 0, result.stderr);
  return { record: JSON.parse(result.stdout) as RunRecord, stderr: result.stderr };
}

void test('code over the inline limit ships as a dataset; an unchanged re-run uploads 0 bytes', async (t) => {
  const server = await startTestServer(t);
  const env = await kaggleEnv(t);
  const dir = await copyExample(t, 'hello');
  const weights = randomBytes(1300 * 1024);
  await writeFile(join(dir, 'weights.bin'), weights);
  await writeFile(join(dir, 'train.py'), READ_WEIGHTS);

  const first = await runKaggle(dir, server.url, env);
  assert.match(first.stderr, new RegExp(`weights ${sha256Hex(weights)}`));
  assert.equal(first.record.shipping?.mode, 'dataset');
  assert.equal(first.record.shipping?.dataset, 'me/kaggle-run-hello-code');
  assert.equal(first.record.shipping?.datasetVersion, 1);
  assert.ok((first.record.shipping?.bytesUploaded ?? 0) > weights.length);
  const uploadedAfterFirst = server.stats().bytesUploaded;

  const second = await runKaggle(dir, server.url, env);
  assert.equal(second.record.shipping?.bytesUploaded, 0);
  assert.equal(second.record.shipping?.datasetVersion, 1);
  assert.equal(server.stats().bytesUploaded, uploadedAfterFirst, 'nothing was uploaded');
  assert.match(second.stderr, new RegExp(`weights ${sha256Hex(weights)}`));
  const plain = await runCli(['run', dir, '--kaggle', '--endpoint', server.url], { env });
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(
    plain.stderr,
    /code: dataset me\/kaggle-run-hello-code version 1, unchanged, nothing uploaded/,
  );

  // A changed file makes a new version, and the kernel runs the new code.
  const changed = randomBytes(1300 * 1024);
  await writeFile(join(dir, 'weights.bin'), changed);
  const third = await runKaggle(dir, server.url, env);
  assert.equal(third.record.shipping?.datasetVersion, 2);
  assert.match(third.stderr, new RegExp(`weights ${sha256Hex(changed)}`));
});

void test('--code inline keeps small code in the kernel source; --code dataset ships it anyway', async (t) => {
  const server = await startTestServer(t);
  const env = await kaggleEnv(t);
  const dir = await copyExample(t, 'hello');
  const inline = await runKaggle(dir, server.url, env);
  assert.equal(inline.record.shipping?.mode, 'inline');
  assert.equal(inline.record.shipping?.bytesUploaded, 0);
  const dataset = await runKaggle(dir, server.url, env, ['--code', 'dataset']);
  assert.equal(dataset.record.shipping?.mode, 'dataset');
  assert.equal(dataset.record.status, 'complete');
  assert.deepEqual(
    dataset.record.outputs.map((o) => o.path),
    ['results/metrics.json', 'results/predictions.csv'],
  );
});

const LIST_INPUT = `import os
root = os.environ["KAGGLE_RUN_INPUT_DIR"]
for base, _dirs, files in sorted(os.walk(root)):
    for name in sorted(files):
        path = os.path.join(base, name)
        rel = os.path.relpath(path, root)
        if "kaggle-run-" in rel:
            continue
        print("input", rel, open(path, "rb").read()[:40])
`;

void test('data: a folder and a file become datasets under input/datasets/<owner>/<slug>/, versioned only when they change', async (t) => {
  const server = await startTestServer(t, { datasetReadyDelayMs: 700 });
  const env = await kaggleEnv(t);
  const dir = await copyExample(t, 'hello');
  await mkdir(join(dir, 'refs', 'voices', 'en'), { recursive: true });
  await writeFile(join(dir, 'refs', 'voices', 'en', 'ryan.txt'), 'ryan v1');
  await writeFile(join(dir, 'refs', 'top.txt'), 'top');
  await writeFile(join(dir, 'train.csv'), 'a,b\n1,2\n');
  await writeFile(join(dir, 'train.py'), LIST_INPUT);
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: hello\nentry: train.py\ndata:\n  voice-ref: refs\n  small-train: train.csv\n',
  );

  const first = await runKaggle(dir, server.url, env);
  assert.match(first.stderr, /input datasets\/me\/voice-ref\/voices\/en\/ryan\.txt b'ryan v1'/);
  assert.match(first.stderr, /input datasets\/me\/voice-ref\/top\.txt b'top'/);
  assert.match(first.stderr, /input datasets\/me\/small-train\/train\.csv b'a,b\\n1,2\\n'/);
  assert.deepEqual(
    first.record.shipping?.data.map((d) => [d.path, d.dataset, d.version, d.uploaded]),
    [
      ['refs', 'me/voice-ref', 1, true],
      ['train.csv', 'me/small-train', 1, true],
    ],
  );

  const second = await runKaggle(dir, server.url, env);
  assert.equal(second.record.shipping?.bytesUploaded, 0);
  assert.deepEqual(
    second.record.shipping?.data.map((d) => d.uploaded),
    [false, false],
  );

  // A new version is READY-gated: the kernel pushed right after it sees the new content.
  await writeFile(join(dir, 'refs', 'voices', 'en', 'ryan.txt'), 'ryan v2');
  const third = await runKaggle(dir, server.url, env);
  assert.match(third.stderr, /input datasets\/me\/voice-ref\/voices\/en\/ryan\.txt b'ryan v2'/);
  assert.doesNotMatch(third.stderr, /ryan v1/);
  assert.deepEqual(
    third.record.shipping?.data.map((d) => [d.dataset, d.version, d.uploaded]),
    [
      ['me/voice-ref', 2, true],
      ['me/small-train', 1, false],
    ],
  );
});

void test('data: a missing path is a usage error before anything is uploaded', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: hello\nentry: train.py\ndata: [nothing-here]\n',
  );
  const result = await runCli(['run', dir, '--kaggle', '--endpoint', server.url], {
    env: await kaggleEnv(t),
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /data\.hello-nothing-here: path not found/);
  assert.equal(server.stats().bytesUploaded, 0);
});

void test('the record and run --json name the docker image pinning', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    (await readFile(join(dir, 'kaggle-run.yaml'), 'utf8')) + 'image: original\n',
  );
  const { record } = await runKaggle(dir, server.url, await kaggleEnv(t));
  assert.equal(record.image, 'original');
});

void test('an upload cut half-way resumes, and the kernel gets the code byte for byte', async (t) => {
  const server = await startTestServer(t);
  const env = await kaggleEnv(t);
  const dir = await copyExample(t, 'hello');
  const weights = randomBytes(3 * 1024 * 1024);
  await writeFile(join(dir, 'weights.bin'), weights);
  await writeFile(join(dir, 'train.py'), READ_WEIGHTS);
  server.datasetStore.dropUploads = { bytes: 1024 * 1024 + 7, drops: 2 };
  const { record, stderr } = await runKaggle(dir, server.url, env, ['--code', 'dataset']);
  assert.equal(server.datasetStore.dropUploads.drops, 0, 'both cuts happened');
  assert.match(stderr, new RegExp(`weights ${sha256Hex(weights)}`));
  assert.equal(record.shipping?.mode, 'dataset');
  // Resumed, not restarted: the server received each byte about once (a restart from byte 0
  // would make it take the first megabyte again each time).
  const received = server.stats().bytesUploaded;
  assert.ok(received >= weights.length && received < weights.length + 512 * 1024, `${received}`);
  // (The record's bytesUploaded counts what was written to the socket, resends included:
  // bytes a cut connection had buffered count too, so it is not a measure of resuming.)
  assert.ok((record.shipping?.bytesUploaded ?? 0) >= weights.length);
});

void test('secrets: a Kaggle user secret reaches the program and is masked in the log', async (t) => {
  const token = 'hf_abcdefghijklmnop';
  const server = await startTestServer(t, {
    accounts: [{ ...ME, secrets: { HF_TOKEN: token } }],
  });
  const env = await kaggleEnv(t);
  const dir = await copyExample(t, 'hello');
  await writeFile(
    join(dir, 'train.py'),
    'import os\nprint("token", os.environ["HF_TOKEN"], len(os.environ["HF_TOKEN"]))\n',
  );
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: hello\nentry: train.py\nsecrets: [HF_TOKEN]\n',
  );
  const { record, stderr } = await runKaggle(dir, server.url, env);
  assert.match(stderr, new RegExp(`token \\*\\*\\* ${token.length}`));
  assert.ok(!stderr.includes(token));
  const saved = await readFile(join(dir, '.kaggle-run', 'runs', record.runId, 'log.jsonl'), 'utf8');
  assert.ok(!saved.includes(token) && saved.includes('***'));

  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: hello\nentry: train.py\nsecrets: [NOT_THERE]\n',
  );
  const missing = await runCli(['run', dir, '--kaggle', '--endpoint', server.url], { env });
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /NOT_THERE/);
  assert.match(missing.stderr, /Add-ons/);
});

void test('a dataset version that is not READY in time stops the run before the push (exit 3)', async (t) => {
  const server = await startTestServer(t, { datasetReadyDelayMs: 120_000 });
  const env = { ...(await kaggleEnv(t)), KAGGLE_RUN_DATASET_READY_TIMEOUT: '1' };
  const dir = await copyExample(t, 'hello');
  const result = await runCli(
    ['run', dir, '--kaggle', '--endpoint', server.url, '--code', 'dataset'],
    { env },
  );
  assert.equal(result.code, 3, result.stderr);
  assert.match(
    result.stderr,
    /kaggle-run-hello-code was not ready after 1 s \(still BLOBS_RECEIVED\)/,
  );
  assert.equal(server.stats().pushes['me/kaggle-run-hello'] ?? 0, 0);
});

void test('a malformed KAGGLE_RUN_DATASET_READY_TIMEOUT is a usage error before any upload', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  for (const value of ['ten', '0', '-5']) {
    const env = { ...(await kaggleEnv(t)), KAGGLE_RUN_DATASET_READY_TIMEOUT: value };
    const result = await runCli(
      ['run', dir, '--kaggle', '--endpoint', server.url, '--code', 'dataset'],
      { env },
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /KAGGLE_RUN_DATASET_READY_TIMEOUT must be a number of seconds/);
  }
  assert.equal(server.stats().bytesUploaded, 0);
});
