import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectEntry, initProject } from '../../src/config/init.js';
import { resolveJob } from '../../src/config/resolve.js';
import { UsageError } from '../../src/errors.js';
import { isolatedEnv, project } from './project-fixture.js';

void test('init writes a starter file that resolves: entry, requirements, name', async (t) => {
  const dir = await project(t, {
    'train.py': 'print(1)\n',
    'utils.py': '',
    'requirements.txt': 'numpy\n',
  });
  const result = await initProject(dir);
  assert.deepEqual(result, { path: join(dir, 'kaggle-run.yaml'), entry: 'train.py' });
  const text = await readFile(result.path, 'utf8');
  for (const key of [
    'params',
    'profiles',
    'quick',
    'accelerator',
    'outputs',
    'timeout',
    'datasets',
    'internet',
    'private',
  ]) {
    assert.match(text, new RegExp(`# ${key}:|#   ${key}:`), key);
  }
  assert.match(text, /none, p100, t4x2/);
  const { job, warnings } = await resolveJob(dir, {}, await isolatedEnv(t));
  assert.deepEqual(warnings, []);
  assert.equal(job.name, 'my-project');
  assert.equal(job.entry, 'train.py');
  assert.deepEqual(job.requirements, { file: 'requirements.txt' });
  assert.equal(job.accelerator, 'none');
});

void test('the commented examples validate once uncommented', async (t) => {
  const dir = await project(t, { 'main.py': '', 'refs/voice.wav': 'RIFF' });
  const { path } = await initProject(dir);
  const text = await readFile(path, 'utf8');
  // Uncomment every "# key: value" example line (not the prose comments).
  const uncommented = text
    .split('\n')
    .map((line) =>
      /^# ?( {0,4}[a-z_-]+:( |$)| {2,}- )/.test(line) && !/^# \(/.test(line)
        ? line.replace(/^# ?/, '')
        : line,
    )
    .join('\n');
  await writeFile(path, uncommented.replace('requirements: requirements.txt', ''));
  const { job } = await resolveJob(dir, { profile: 'quick' }, await isolatedEnv(t));
  assert.deepEqual(job.params, { lr: 0.001, epochs: 1 });
  assert.deepEqual(job.args, ['--lr', '${lr}', '--epochs', '${epochs}']);
  assert.equal(job.accelerator, 't4x2');
  assert.equal(job.timeoutSeconds, 7200);
  assert.deepEqual(job.outputs, ['*.pt', 'logs/**']);
  assert.deepEqual(job.datasets, ['owner/dataset-slug']);
  assert.equal(job.code, 'auto');
  assert.deepEqual(job.data, [{ slug: 'voice-ref', path: 'refs/voice.wav' }]);
  assert.deepEqual(job.secrets, ['HF_TOKEN']);
});

void test('without a clear entry the file still validates and names no entry', async (t) => {
  const dir = await project(t, { 'a.py': '', 'b.ipynb': '{}' });
  const result = await initProject(dir);
  assert.equal(result.entry, undefined);
  const text = await readFile(result.path, 'utf8');
  assert.match(text, /# entry: train\.py/);
  assert.match(text, /candidates: a\.py, b\.ipynb/);
  const env = await isolatedEnv(t);
  const error = await resolveJob(dir, {}, env).catch((e: unknown) => e);
  assert.ok(error instanceof UsageError);
  assert.match(error.message, /names no entry/);
  assert.equal((await resolveJob(dir, { entry: 'b.ipynb' }, env)).job.kind, 'notebook');
});

void test('detectEntry prefers main/train/run/app, else a single script or notebook', () => {
  assert.equal(detectEntry(['app.py', 'run.py', 'train.py']), 'train.py');
  assert.equal(detectEntry(['app.py', 'main.py']), 'main.py');
  assert.equal(detectEntry(['setup.py', 'model.py']), 'model.py');
  assert.equal(detectEntry(['analysis.ipynb', 'README.md']), 'analysis.ipynb');
  assert.equal(detectEntry(['a.py', 'b.py']), undefined);
  assert.equal(detectEntry(['conftest.py', 'test_x.py', '__init__.py']), undefined);
  assert.equal(detectEntry([]), undefined);
});

void test('init refuses to overwrite without force, and overwrites with it', async (t) => {
  const dir = await project(t, { 'train.py': '', 'kaggle-run.yaml': 'entry: old.py\n' });
  const error = await initProject(dir).catch((e: unknown) => e);
  assert.ok(error instanceof UsageError);
  assert.match(error.message, /kaggle-run\.yaml already exists/);
  assert.match(error.hint ?? '', /--force/);
  assert.equal(await readFile(join(dir, 'kaggle-run.yaml'), 'utf8'), 'entry: old.py\n');
  await initProject(dir, { force: true });
  assert.match(await readFile(join(dir, 'kaggle-run.yaml'), 'utf8'), /^entry: train\.py$/m);

  const yml = await project(t, { 'kaggle-run.yml': 'entry: x.py\n' });
  assert.ok((await initProject(yml).catch((e: unknown) => e)) instanceof UsageError);
});

void test('init quotes odd folder names and rejects a missing folder', async (t) => {
  const parent = await project(t, { '123/main.py': '' });
  // A bare 123 would read back as a number; the writer must quote it.
  const odd = join(parent, '123');
  await initProject(odd);
  assert.match(await readFile(join(odd, 'kaggle-run.yaml'), 'utf8'), /^name: "123"$/m);
  const { job } = await resolveJob(odd, {}, await isolatedEnv(t));
  assert.equal(job.name, '123');
  const error = await initProject(join(parent, 'missing')).catch((e: unknown) => e);
  assert.ok(error instanceof UsageError);
  assert.match(error.message, /folder not found/);
});
