// The same `data:` and `env_file:` on the local platform: files copied into the sandbox's
// input folder at input/datasets/<owner>/<slug>/ (or input/<slug>/ with input_layout:
// legacy), as Kaggle mounts datasets; env values never left on disk.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { copyExample, runCli } from '../helpers/cli.js';

const SHOW = `import json, os, sys
root = os.environ["KAGGLE_RUN_INPUT_DIR"]
print("ryan:", open(os.path.join(root, sys.argv[1], "en", "ryan.txt")).read())
mapped = json.loads(os.environ["KAGGLE_RUN_INPUTS"])["voice-ref"]
print("mapped:", os.path.relpath(mapped, root))
print("file:", json.load(open(os.environ["KAGGLE_RUN_INPUTS_FILE"])) == json.loads(os.environ["KAGGLE_RUN_INPUTS"]))
print("token-length:", len(os.environ.get("HF_TOKEN", "")))
`;

void test('local: data lands under input/datasets/<owner>/<slug>/ and env_file vars reach the program', async (t) => {
  const dir = await copyExample(t, 'hello');
  await mkdir(join(dir, 'refs', 'en'), { recursive: true });
  await writeFile(join(dir, 'refs', 'en', 'ryan.txt'), 'hello from ryan');
  await writeFile(join(dir, '.env.kaggle'), 'HF_TOKEN="hf_secret_value_123"\nOTHER=x\n');
  await writeFile(join(dir, 'train.py'), SHOW);
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: hello\nentry: train.py\nargs: [datasets/alice/voice-ref]\ndata: {voice-ref: refs}\nenv_file: {path: .env.kaggle, vars: [HF_TOKEN]}\n',
  );
  const result = await runCli(['run', dir, '--json'], { env: { KAGGLE_USERNAME: 'alice' } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /ryan: hello from ryan/);
  assert.match(result.stderr, /mapped: datasets\/alice\/voice-ref\n/);
  assert.match(result.stderr, /file: True/);
  assert.match(result.stderr, /token-length: 19/);
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.equal(record.shipping?.mode, 'local');
  assert.deepEqual(record.shipping?.data, [
    { path: 'refs', dataset: 'voice-ref', version: null, uploaded: false },
  ]);
  const runDir = join(dir, '.kaggle-run', 'runs', record.runId);
  assert.ok(!existsSync(join(runDir, 'env.json')), 'the env values file is gone after the push');
  assert.ok(!(await readdir(runDir)).some((f) => f.includes('env')));
});

void test('local: input_layout legacy puts data at input/<slug>/, as older sessions mount it', async (t) => {
  const dir = await copyExample(t, 'hello');
  await mkdir(join(dir, 'refs', 'en'), { recursive: true });
  await writeFile(join(dir, 'refs', 'en', 'ryan.txt'), 'hello from ryan');
  await writeFile(join(dir, 'train.py'), SHOW);
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: hello\nentry: train.py\nargs: [voice-ref]\ninput_layout: legacy\ndata: {voice-ref: refs}\n',
  );
  const result = await runCli(['run', dir]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout + result.stderr, /ryan: hello from ryan/);
  assert.match(result.stdout + result.stderr, /mapped: voice-ref\n/);
});

void test('env_file on a public kernel is refused before anything runs', async (t) => {
  const dir = await copyExample(t, 'hello');
  await writeFile(join(dir, '.env'), 'A=1\n');
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: hello\nentry: train.py\nprivate: false\nenv_file: .env\n',
  );
  const result = await runCli(['run', dir]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /this kernel is public \(private: false\)/);
});

void test('env_file: a chosen variable missing from the file, and a bad line, are clear errors', async (t) => {
  const dir = await copyExample(t, 'hello');
  await writeFile(join(dir, '.env'), 'A=1\n');
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: hello\nentry: train.py\nenv_file: {path: .env, vars: [A, B]}\n',
  );
  const missing = await runCli(['run', dir]);
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /\.env does not set B/);
  await writeFile(join(dir, '.env'), 'A=1\nthis is not a variable\nB=2\n');
  const bad = await runCli(['run', dir]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /\.env:2: not a KEY=value line/);
});

void test('local: Kaggle-only sources are named in a warning, and the run goes on', async (t) => {
  const dir = await copyExample(t, 'hello');
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: hello\nentry: train.py\ndatasets: [me/data]\ncompetitions: [titanic]\n',
  );
  const result = await runCli(['run', dir]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /cannot attach Kaggle sources \(dataset me\/data, competition titanic\)/,
  );
});
