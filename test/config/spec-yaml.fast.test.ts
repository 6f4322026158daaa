import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { resolveJob } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';
import type { ConfigProblem } from '../../src/errors.js';
import type { Job } from '../../src/job.js';
import { isolatedEnv, project } from './project-fixture.js';

const base = { 'train.py': 'print(1)\n', 'nb.ipynb': '{}', 'requirements.txt': 'numpy\n' };

async function load(t: TestContext, yaml: string): Promise<Job> {
  const dir = await project(t, { ...base, 'kaggle-run.yaml': yaml });
  return (await resolveJob(dir, {}, await isolatedEnv(t))).job;
}

async function problems(t: TestContext, yaml: string): Promise<ConfigProblem[]> {
  const dir = await project(t, { ...base, 'kaggle-run.yaml': yaml });
  const error = await resolveJob(dir, {}, await isolatedEnv(t)).then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConfigError, String(error));
  for (const p of error.problems) assert.equal(p.file, join(dir, 'kaggle-run.yaml'));
  return error.problems;
}

/** [path, line, message pattern] of each problem, for compact assertions. */
function summary(list: ConfigProblem[]): [string, number | undefined][] {
  return list.map((p) => [p.path, p.line]);
}

void test('a full valid spec resolves to the Job it describes', async (t) => {
  const job = await load(
    t,
    `name: My Model
entry: train.py
args: ["--lr", "\${lr}", "--tag=\${tag}"]
params:
  lr: 0.001
  tag: base
  amp: true
  seed: null
profiles:
  quick: { lr: 0.1, epochs: 1 }
accelerator: gpu
requirements: requirements.txt
include: ["src/**"]
exclude: ["data/**"]
outputs: ["*.pt", "logs/**"]
timeout: 1h30m
datasets: [owner/some-data, owner/other.data/3]
internet: false
private: false
platform: kaggle
python: python3.11
`,
  );
  assert.equal(job.name, 'My Model');
  assert.equal(job.entry, 'train.py');
  assert.equal(job.kind, 'script');
  assert.deepEqual(job.args, ['--lr', '${lr}', '--tag=${tag}']);
  assert.deepEqual(job.params, { lr: 0.001, tag: 'base', amp: true, seed: null });
  assert.equal(job.profile, undefined);
  assert.equal(job.accelerator, 't4x2');
  assert.deepEqual(job.requirements, { file: 'requirements.txt' });
  assert.deepEqual(job.include, ['src/**']);
  assert.deepEqual(job.exclude, ['data/**']);
  assert.deepEqual(job.outputs, ['*.pt', 'logs/**']);
  assert.equal(job.timeoutSeconds, 5400);
  assert.deepEqual(job.datasets, ['owner/some-data', 'owner/other.data/3']);
  assert.equal(job.internet, false);
  assert.equal(job.private, false);
  assert.equal(job.platform, 'kaggle');
  assert.equal(job.python, 'python3.11');
  assert.equal(job.endpoint, undefined);
});

void test('defaults: name from the folder, no accelerator, 12h, internet and private on', async (t) => {
  const job = await load(t, 'entry: nb.ipynb\n');
  assert.equal(job.name, 'my-project');
  assert.equal(job.kind, 'notebook');
  assert.deepEqual(job.args, []);
  assert.deepEqual(job.params, {});
  assert.equal(job.accelerator, 'none');
  assert.equal(job.requirements, undefined);
  assert.deepEqual([job.include, job.exclude, job.outputs, job.datasets], [[], [], [], []]);
  assert.equal(job.timeoutSeconds, 43200);
  assert.equal(job.internet, true);
  assert.equal(job.private, true);
  assert.equal(job.platform, 'local');
  assert.equal(job.python, undefined);
  assert.equal(job.configFile?.endsWith('kaggle-run.yaml'), true);
});

void test('other valid forms: inline requirements, numeric timeout, accelerator aliases', async (t) => {
  const job = await load(
    t,
    'entry: train.py\nrequirements: ["numpy>=1.26", " scikit-learn "]\ntimeout: 600\naccelerator: CPU\n',
  );
  assert.deepEqual(job.requirements, { packages: ['numpy>=1.26', 'scikit-learn'] });
  assert.equal(job.timeoutSeconds, 600);
  assert.equal(job.accelerator, 'none');
  assert.equal((await load(t, 'entry: train.py\naccelerator: p100\n')).accelerator, 'p100');
  assert.equal((await load(t, 'entry: train.py\ntimeout: 90s\n')).timeoutSeconds, 90);
});

void test('every invalid field is reported at once, each with its path and line', async (t) => {
  const list = await problems(
    t,
    `name: "!!!"
entry: 42
args: ["--x", 3]
params:
  lr: [1, 2]
  bad-name: 1
profiles:
  quick: 5
accelerator: v100
requirements: 12
include: "src/**"
exclude: [""]
outputs: [1]
timeout: forever
datasets: ["not a dataset", owner/slug/0]
internet: yes
private: 1
platform: cloud
python: ""
`,
  );
  assert.deepEqual(summary(list), [
    ['name', 1],
    ['entry', 2],
    ['args.1', 3],
    ['params.bad-name', 6],
    ['profiles.quick', 8],
    ['accelerator', 9],
    ['requirements', 10],
    ['include', 11],
    ['exclude.0', 12],
    ['outputs.0', 13],
    ['timeout', 14],
    ['datasets.0', 15],
    ['datasets.1', 15],
    ['internet', 16],
    ['private', 17],
    ['platform', 18],
    ['python', 19],
  ]);
  const message = (path: string) => list.find((p) => p.path === path)?.message ?? '';
  assert.match(message('name'), /at least one letter or digit/);
  assert.match(message('entry'), /must be a path to a .py or .ipynb file, got a number \(42\)/);
  assert.equal(message('params.lr'), ''); // a list is a param value like any other
  assert.match(message('params.bad-name'), /not a valid param name/);
  assert.match(message('accelerator'), /unknown accelerator "v100"; valid names: none, p100, t4x2/);
  assert.match(message('timeout'), /cannot read "forever" as a duration/);
  assert.match(message('datasets.0'), /write "owner\/slug"/);
  assert.match(message('internet'), /must be true or false, got a string \("yes"\)/);
  assert.match(message('platform'), /`local` or `kaggle`/);
  assert.match(message('python'), /must not be empty/);
});

void test('timeout bounds are checked in the file', async (t) => {
  const list = await problems(t, 'entry: train.py\ntimeout: 13h\n');
  assert.deepEqual(summary(list), [['timeout', 2]]);
  assert.match(list[0]?.message ?? '', /over 12h \(43200 s\)/);
  assert.match((await problems(t, 'entry: train.py\ntimeout: 0\n'))[0]?.message ?? '', /zero/);
});

void test('unknown keys: did-you-mean, or the list of known keys', async (t) => {
  const list = await problems(t, 'entry: train.py\nnmae: x\noutput: ["a"]\ngpu_kind: t4\n');
  assert.deepEqual(summary(list), [
    ['nmae', 2],
    ['output', 3],
    ['gpu_kind', 4],
  ]);
  assert.match(list[0]?.message ?? '', /unknown key `nmae`; did you mean `name`\?/);
  assert.match(list[1]?.message ?? '', /did you mean `outputs`\?/);
  assert.match(list[2]?.message ?? '', /known keys: name, entry, args, params, profiles, /);
});

void test('args may only refer to declared params', async (t) => {
  const list = await problems(
    t,
    'entry: train.py\nparams:\n  lr: 0.1\nargs:\n  - "--lr=${lr}"\n  - "--e=${epoch}"\n  - "${lr}${}"\n',
  );
  assert.deepEqual(summary(list), [
    ['args.1', 6],
    ['args.2', 7],
  ]);
  assert.match(
    list[0]?.message ?? '',
    /`\$\{epoch\}` refers to param `epoch`, which is not declared/,
  );
  assert.match(list[1]?.message ?? '', /not a param reference/);
});

void test('profiles: names checked, typed defaults keep their type, new params allowed', async (t) => {
  const list = await problems(
    t,
    `entry: train.py
params:
  lr: 0.1
  tag: base
profiles:
  quick:
    lr: fast
    tag: 3
    epochs: 1
  other:
    2bad: 1
`,
  );
  assert.deepEqual(summary(list), [
    ['profiles.quick.lr', 7],
    ['profiles.quick.tag', 8],
    ['profiles.other.2bad', 11],
  ]);
  assert.match(list[0]?.message ?? '', /is a string but `params.lr` is a number/);
  assert.match(list[1]?.message ?? '', /quote it/);
});

void test('entry and requirements files must exist, inside the root', async (t) => {
  const list = await problems(t, 'name: x\nentry: missing.py\nrequirements: reqs/missing.txt\n');
  assert.deepEqual(summary(list), [
    ['entry', 2],
    ['requirements', 3],
  ]);
  assert.match(list[0]?.message ?? '', /entry not found: .*my-project\/missing\.py/);
  assert.match(
    list[1]?.message ?? '',
    /requirements file not found: .*my-project\/reqs\/missing\.txt/,
  );
  const more = await problems(t, 'entry: ../outside.py\n');
  assert.match(more[0]?.message ?? '', /outside the project root/);
  const wrongKind = await problems(t, 'entry: requirements.txt\n');
  assert.match(wrongKind[0]?.message ?? '', /must be a \.py script or a \.ipynb notebook/);
});

void test('YAML syntax errors, duplicate keys, empty files and non-mappings', async (t) => {
  const syntax = await problems(t, 'entry: train.py\nargs: [1, 2\nname: x\n');
  assert.equal(syntax[0]?.line, 3);
  const duplicate = await problems(t, 'entry: train.py\nname: a\nname: b\n');
  assert.deepEqual(
    duplicate.map((p) => [p.line, /unique/i.test(p.message)]),
    [[3, true]],
  );
  for (const empty of ['', '# just a comment\n']) {
    const list = await problems(t, empty);
    assert.match(list[0]?.message ?? '', /is empty/);
  }
  const error = await project(t, { 'kaggle-run.yaml': '' }).then(async (dir) =>
    resolveJob(dir, {}, await isolatedEnv(t)).catch((e: unknown) => e),
  );
  assert.ok(error instanceof ConfigError);
  assert.match(error.hint ?? '', /kaggle-run init/);
  assert.match((await problems(t, '- a\n- b\n'))[0]?.message ?? '', /must be a mapping/);
});

void test('ConfigError message lists file:line: path: message for each problem', async (t) => {
  const dir = await project(t, { ...base, 'kaggle-run.yaml': 'entry: train.py\ntimeout: x\n' });
  const error = await resolveJob(dir, {}, await isolatedEnv(t)).catch((e: unknown) => e);
  assert.ok(error instanceof ConfigError);
  assert.match(
    error.message,
    new RegExp(
      `invalid configuration \\(1 problem\\):\\n  ${join(dir, 'kaggle-run.yaml')}:2: timeout: `,
    ),
  );
  assert.equal(error.exitCode, 2);
});

void test('a bad item in a requirements list is reported at its index', async (t) => {
  const list = await problems(t, 'entry: train.py\nrequirements:\n  - numpy\n  - 3\n  - ""\n');
  assert.deepEqual(summary(list), [
    ['requirements.1', 4],
    ['requirements.2', 5],
  ]);
  assert.match(list[0]?.message ?? '', /must be a string \(one requirement\), got a number \(3\)/);
});

void test('code_in_place is true or false', async (t) => {
  const list = await problems(t, 'entry: train.py\ncode_in_place: "no"\n');
  assert.deepEqual(summary(list), [['code_in_place', 2]]);
  assert.match(list[0]?.message ?? '', /must be true or false, got a string \("no"\)/);
  assert.equal((await load(t, 'entry: train.py\ncode_in_place: false\n')).codeInPlace, false);
  assert.equal((await load(t, 'entry: train.py\n')).codeInPlace, true);
});
