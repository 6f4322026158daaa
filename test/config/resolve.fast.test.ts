import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { resolveJob } from '../../src/config/resolve.js';
import type { JobOverrides } from '../../src/config/resolve.js';
import { userConfigPath } from '../../src/config/user-config.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { isolatedEnv, project, writeFiles } from './project-fixture.js';

async function usageError(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(
    () => assert.fail('expected a UsageError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof UsageError, String(error));
  return error;
}

void test('the config is found walking up from a subfolder; its folder is the root', async (t) => {
  const dir = await project(t, {
    'kaggle-run.yaml': 'entry: src/train.py\n',
    'src/train.py': '',
    'src/deep/er/file.txt': '',
  });
  const { job } = await resolveJob(join(dir, 'src', 'deep', 'er'), {}, await isolatedEnv(t));
  assert.equal(job.root, dir);
  assert.equal(job.entry, 'src/train.py');
  assert.equal(job.configFile, join(dir, 'kaggle-run.yaml'));
  assert.equal(job.name, 'my-project');
});

void test('without a config file the folder is the root and --entry is needed', async (t) => {
  const dir = await project(t, { 'nb.ipynb': '{}' });
  const env = await isolatedEnv(t);
  const error = await usageError(resolveJob(dir, {}, env));
  assert.match(error.message, /no kaggle-run\.yaml or \[tool\.kaggle-run\]/);
  assert.match(error.hint ?? '', /kaggle-run init.*--entry/);
  const { job } = await resolveJob(dir, { entry: 'nb.ipynb' }, env);
  assert.equal(job.root, dir);
  assert.equal(job.configFile, undefined);
  assert.equal(job.kind, 'notebook');
});

void test('a config file without entry asks for one', async (t) => {
  const dir = await project(t, { 'kaggle-run.yaml': 'name: x\n' });
  const error = await usageError(resolveJob(dir, {}, await isolatedEnv(t)));
  assert.match(error.message, /names no entry/);
});

void test('--entry is relative to the root, must exist, and replaces the file entry', async (t) => {
  const dir = await project(t, {
    'kaggle-run.yaml': 'entry: gone.py\n',
    'tools/eval.py': '',
    'sub/.keep': '',
  });
  const env = await isolatedEnv(t);
  // The file's entry is missing but --entry replaces it, so that is not an error.
  const { job } = await resolveJob(join(dir, 'sub'), { entry: 'tools/eval.py' }, env);
  assert.equal(job.entry, 'tools/eval.py');
  const missing = await usageError(resolveJob(dir, { entry: 'nope.py' }, env));
  assert.match(missing.message, new RegExp(`--entry: entry not found: ${join(dir, 'nope.py')}`));
  const wrongKind = await usageError(resolveJob(dir, { entry: 'sub/.keep' }, env));
  assert.match(wrongKind.message, /must be a \.py script or a \.ipynb notebook/);
  const folder = await usageError(resolveJob(dir, { entry: 'tools.py' }, env));
  assert.match(folder.message, /not found/);
});

void test('a folder that does not exist, or a file as the folder, is a UsageError', async (t) => {
  const dir = await project(t, { 'train.py': '' });
  const env = await isolatedEnv(t);
  assert.match(
    (await usageError(resolveJob(join(dir, 'missing'), {}, env))).message,
    /folder not found: .*missing/,
  );
  const file = await usageError(resolveJob(join(dir, 'train.py'), {}, env));
  assert.match(file.message, /is not a folder/);
  assert.match(file.hint ?? '', /--entry train\.py/);
});

async function precedenceProject(t: TestContext) {
  const dir = await project(t, {
    'train.py': '',
    'kaggle-run.yaml':
      'entry: train.py\naccelerator: p100\nplatform: kaggle\npython: file-python\ntimeout: 1h\noutputs: ["*.pt"]\nname: file-name\n',
  });
  const env = await isolatedEnv(t);
  await writeFiles(join(env.HOME ?? '', '.config', 'kaggle-run'), {
    'config.yaml':
      'accelerator: l4\nplatform: local\nendpoint: http://127.0.0.1:9/\npython: user-python\nprivate: false\ninternet: false\n',
  });
  return { dir, env };
}

void test('precedence: flag > environment > project file > user config > default', async (t) => {
  const { dir, env } = await precedenceProject(t);
  const fromFiles = (await resolveJob(dir, {}, env)).job;
  // Project file over user config; user config over defaults where the file is silent.
  assert.equal(fromFiles.accelerator, 'p100');
  assert.equal(fromFiles.platform, 'kaggle');
  assert.equal(fromFiles.python, 'file-python');
  assert.equal(fromFiles.endpoint, 'http://127.0.0.1:9/');
  assert.equal(fromFiles.private, false);
  assert.equal(fromFiles.internet, false);

  const withEnv = {
    ...env,
    KAGGLE_RUN_ACCELERATOR: 'a100',
    KAGGLE_RUN_PLATFORM: 'local',
    KAGGLE_RUN_PYTHON: 'env-python',
    KAGGLE_RUN_ENDPOINT: 'http://127.0.0.1:8/',
  };
  const fromEnv = (await resolveJob(dir, {}, withEnv)).job;
  assert.deepEqual(
    [fromEnv.accelerator, fromEnv.platform, fromEnv.python, fromEnv.endpoint],
    ['a100', 'local', 'env-python', 'http://127.0.0.1:8/'],
  );

  const flags: JobOverrides = {
    accelerator: 'cpu',
    platform: 'kaggle',
    python: 'flag-python',
    endpoint: 'https://example.test',
    timeout: '30m',
    outputs: ['out/**'],
    name: 'flag-name',
  };
  const fromFlags = (await resolveJob(dir, flags, withEnv)).job;
  assert.deepEqual(
    [fromFlags.accelerator, fromFlags.platform, fromFlags.python, fromFlags.endpoint],
    ['none', 'kaggle', 'flag-python', 'https://example.test'],
  );
  assert.equal(fromFlags.timeoutSeconds, 1800);
  assert.deepEqual(fromFlags.outputs, ['out/**']);
  assert.equal(fromFlags.name, 'flag-name');

  // Blank environment variables count as unset.
  const blank = { ...env, KAGGLE_RUN_ACCELERATOR: ' ', KAGGLE_RUN_PLATFORM: '' };
  assert.equal((await resolveJob(dir, {}, blank)).job.accelerator, 'p100');
});

void test('XDG_CONFIG_HOME locates the user config before HOME', async (t) => {
  const dir = await project(t, { 'train.py': '', 'kaggle-run.yaml': 'entry: train.py\n' });
  const env = await isolatedEnv(t);
  const xdg = join(env.HOME ?? '', 'xdg');
  await writeFiles(xdg, { 'kaggle-run/config.yaml': 'accelerator: t4x2\n' });
  await writeFiles(env.HOME ?? '', { '.config/kaggle-run/config.yaml': 'accelerator: l4\n' });
  assert.equal(
    userConfigPath({ ...env, XDG_CONFIG_HOME: xdg }),
    join(xdg, 'kaggle-run', 'config.yaml'),
  );
  assert.equal(
    (await resolveJob(dir, {}, { ...env, XDG_CONFIG_HOME: xdg })).job.accelerator,
    't4x2',
  );
  assert.equal((await resolveJob(dir, {}, env)).job.accelerator, 'l4');
  // A relative XDG_CONFIG_HOME is invalid by the XDG spec and ignored.
  assert.equal(
    (await resolveJob(dir, {}, { ...env, XDG_CONFIG_HOME: 'rel' })).job.accelerator,
    'l4',
  );
});

void test('user config and project file problems are reported together', async (t) => {
  const dir = await project(t, {
    'train.py': '',
    'kaggle-run.yaml': 'entry: train.py\ntimeout: x\n',
  });
  const env = await isolatedEnv(t);
  const userFile = join(env.HOME ?? '', '.config', 'kaggle-run', 'config.yaml');
  await writeFiles(env.HOME ?? '', {
    '.config/kaggle-run/config.yaml': 'platform: local\nentry: train.py\nendpoint: ftp://x\n',
  });
  const error = await resolveJob(dir, {}, env).catch((e: unknown) => e);
  assert.ok(error instanceof ConfigError, String(error));
  assert.deepEqual(
    error.problems.map((p) => [p.file, p.line, p.path]),
    [
      [join(dir, 'kaggle-run.yaml'), 2, 'timeout'],
      [userFile, 2, 'entry'],
      [userFile, 3, 'endpoint'],
    ],
  );
  assert.match(error.problems[1]?.message ?? '', /known keys: platform, accelerator, endpoint/);
});

void test('bad flag and environment values name their source', async (t) => {
  const dir = await project(t, { 'train.py': '', 'kaggle-run.yaml': 'entry: train.py\n' });
  const env = await isolatedEnv(t);
  const cases: [JobOverrides, NodeJS.ProcessEnv, RegExp][] = [
    [{ accelerator: 'v100' }, env, /--accelerator: unknown accelerator "v100"/],
    [{}, { ...env, KAGGLE_RUN_ACCELERATOR: 'v100' }, /KAGGLE_RUN_ACCELERATOR: unknown/],
    [
      {},
      { ...env, KAGGLE_RUN_PLATFORM: 'cloud' },
      /KAGGLE_RUN_PLATFORM: must be `local` or `kaggle`, got a string \("cloud"\)/,
    ],
    [{ endpoint: 'localhost:8080' }, env, /--endpoint: "localhost:8080" is not an http/],
    [{ endpoint: 'http://127.0.0.1:8080/?k=v' }, env, /--endpoint: .* base URL \(without query/],
    [{}, { ...env, KAGGLE_RUN_ENDPOINT: 'nope' }, /KAGGLE_RUN_ENDPOINT: /],
    [{ timeout: 'soon' }, env, /--timeout: cannot read "soon"/],
    [{ timeout: '13h' }, env, /--timeout: .*over 12h/],
    [{ name: '---' }, env, /--name: must contain at least one letter or digit/],
    [{ outputs: ['*.pt', ' '] }, env, /--output: must not be empty/],
  ];
  for (const [overrides, environment, message] of cases) {
    const error = await usageError(resolveJob(dir, overrides, environment));
    assert.match(error.message, message);
  }
  const accel = await usageError(resolveJob(dir, { accelerator: 'v100' }, env));
  assert.match(accel.message, /valid names: none, p100, t4x2/);
  // Spelled in any case, as in a file.
  const { job } = await resolveJob(
    dir,
    { accelerator: ' T4X2' },
    { ...env, KAGGLE_RUN_PLATFORM: 'Kaggle' },
  );
  assert.equal(job.accelerator, 't4x2');
  assert.equal(job.platform, 'kaggle');
});

const paramsSpec = `entry: train.py
params:
  lr: 0.001
  epochs: 10
  amp: false
  tag: base
profiles:
  quick:
    epochs: 1
    fast: true
  big:
    lr: 0.01
`;

void test('params: defaults < profile < -p flags, coerced to the declared type', async (t) => {
  const dir = await project(t, { 'train.py': '', 'kaggle-run.yaml': paramsSpec });
  const env = await isolatedEnv(t);
  assert.deepEqual((await resolveJob(dir, {}, env)).job.params, {
    lr: 0.001,
    epochs: 10,
    amp: false,
    tag: 'base',
  });
  const { job, warnings } = await resolveJob(
    dir,
    { profile: 'quick', params: ['lr=0.5', 'amp=yes', 'tag=007', 'epochs=3', 'fast=false'] },
    env,
  );
  assert.equal(job.profile, 'quick');
  assert.deepEqual(job.params, { lr: 0.5, epochs: 3, amp: true, tag: '007', fast: false });
  assert.deepEqual(warnings, []);
});

void test('-p for an undeclared param is passed with a warning', async (t) => {
  const dir = await project(t, { 'train.py': '', 'kaggle-run.yaml': paramsSpec });
  const { job, warnings } = await resolveJob(
    dir,
    { params: ['epoch=2', 'seed=42'] },
    await isolatedEnv(t),
  );
  assert.equal(job.params.epoch, 2);
  assert.equal(job.params.seed, 42);
  assert.equal(warnings.length, 2);
  assert.match(
    warnings[0] ?? '',
    /-p epoch: `epoch` is not declared in `params`.*did you mean `epochs`\?/,
  );
});

void test('bad -p values and unknown profiles are UsageErrors', async (t) => {
  const dir = await project(t, { 'train.py': '', 'kaggle-run.yaml': paramsSpec });
  const env = await isolatedEnv(t);
  assert.match(
    (await usageError(resolveJob(dir, { params: ['lr'] }, env))).message,
    /bad -p syntax "lr"/,
  );
  assert.match(
    (await usageError(resolveJob(dir, { params: ['lr=fast'] }, env))).message,
    /param `lr` must be a number, got "fast"/,
  );
  const profile = await usageError(resolveJob(dir, { profile: 'quik' }, env));
  assert.match(profile.message, /unknown profile "quik"; did you mean `quick`\?/);
  assert.match(profile.hint ?? '', /profiles defined in .*kaggle-run\.yaml: quick, big/);
  const none = await project(t, { 'train.py': '', 'kaggle-run.yaml': 'entry: train.py\n' });
  const noProfiles = await usageError(resolveJob(none, { profile: 'quick' }, env));
  assert.match(noProfiles.hint ?? '', /defines no profiles/);
});

void test('args on a notebook entry are warned about', async (t) => {
  const dir = await project(t, {
    'nb.ipynb': '{}',
    'kaggle-run.yaml': 'entry: nb.ipynb\nparams: { lr: 1 }\nargs: ["${lr}"]\n',
  });
  const { warnings } = await resolveJob(dir, {}, await isolatedEnv(t));
  assert.match(warnings[0] ?? '', /`args` are ignored for a notebook/);
});
