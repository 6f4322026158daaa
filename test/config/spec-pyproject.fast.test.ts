import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { findProjectFile } from '../../src/config/find-project-file.js';
import { resolveJob } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';
import { isolatedEnv, project } from './project-fixture.js';

const pyproject = (section: string): string => `[project]
name = "demo"
version = "0.1.0"
description = """
[tool.kaggle-run]
entry = "not-this.py"
"""

${section}
[tool.ruff]
line-length = 100
`;

void test('[tool.kaggle-run] in pyproject.toml is a project file', async (t) => {
  const dir = await project(t, {
    'train.py': '',
    'pyproject.toml': pyproject(`[tool.kaggle-run]
entry = "train.py"
accelerator = "t4x2"
timeout = "2h"
args = ["--lr", "\${lr}"]

[tool.kaggle-run.params]
lr = 0.01
amp = true

[tool.kaggle-run.profiles.quick]
lr = 0.1
`),
  });
  assert.deepEqual(await findProjectFile(dir), {
    path: join(dir, 'pyproject.toml'),
    kind: 'pyproject',
  });
  const { job, warnings } = await resolveJob(dir, { profile: 'quick' }, await isolatedEnv(t));
  assert.deepEqual(warnings, []);
  assert.equal(job.configFile, join(dir, 'pyproject.toml'));
  assert.equal(job.entry, 'train.py');
  assert.equal(job.accelerator, 't4x2');
  assert.equal(job.timeoutSeconds, 7200);
  assert.deepEqual(job.params, { lr: 0.1, amp: true });
  assert.equal(job.profile, 'quick');
});

void test('a pyproject.toml without [tool.kaggle-run] is not a project file', async (t) => {
  const dir = await project(t, { 'pyproject.toml': '[project]\nname = "x"\n[tool.ruff]\n' });
  assert.equal(await findProjectFile(dir), undefined);
});

void test('pyproject problems come with the line of their key, all at once', async (t) => {
  const dir = await project(t, {
    'train.py': '',
    'pyproject.toml': pyproject(`[tool.kaggle-run]
entry = "train.py"
nmae = "x"
accelerator = "v100"
outputs = ["ok", 3]
profiles = { quick = { lr = "fast" } }

[tool.kaggle-run.params]
lr = 0.01
"bad-name" = 1
`),
  });
  const error = await resolveJob(dir, {}, await isolatedEnv(t)).catch((e: unknown) => e);
  assert.ok(error instanceof ConfigError, String(error));
  // Lines 1-8 are the [project] table and its multi-line description string.
  assert.deepEqual(
    error.problems.map((p) => [p.path, p.line, p.file]),
    [
      ['nmae', 11, join(dir, 'pyproject.toml')],
      ['accelerator', 12, join(dir, 'pyproject.toml')],
      ['outputs.1', 13, join(dir, 'pyproject.toml')],
      ['profiles.quick.lr', 14, join(dir, 'pyproject.toml')],
      ['params.bad-name', 18, join(dir, 'pyproject.toml')],
    ],
  );
  assert.match(error.problems[0]?.message ?? '', /did you mean `name`\?/);
});

void test('TOML syntax errors carry their line', async (t) => {
  const dir = await project(t, {
    'pyproject.toml': '[tool.kaggle-run]\nentry = "train.py"\ntimeout = \n',
  });
  const error = await resolveJob(dir, {}, await isolatedEnv(t)).catch((e: unknown) => e);
  assert.ok(error instanceof ConfigError, String(error));
  assert.equal(error.problems[0]?.line, 3);
  assert.match(error.problems[0]?.message ?? '', /^TOML: /);
});

void test('kaggle-run.yaml wins over [tool.kaggle-run] in the same folder, with a warning', async (t) => {
  const dir = await project(t, {
    'a.py': '',
    'b.py': '',
    'kaggle-run.yaml': 'entry: a.py\n',
    'pyproject.toml': '[tool.kaggle-run]\nentry = "b.py"\n',
  });
  assert.equal((await findProjectFile(dir))?.kind, 'yaml');
  const { job, warnings } = await resolveJob(dir, {}, await isolatedEnv(t));
  assert.equal(job.entry, 'a.py');
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0] ?? '',
    /\[tool\.kaggle-run\] section of .*pyproject\.toml is ignored: .*kaggle-run\.yaml/,
  );
});

void test('kaggle-run.yaml wins over kaggle-run.yml; .yml alone works', async (t) => {
  const dir = await project(t, {
    'a.py': '',
    'b.py': '',
    'kaggle-run.yaml': 'entry: a.py\n',
    'kaggle-run.yml': 'entry: b.py\n',
  });
  const { job, warnings } = await resolveJob(dir, {}, await isolatedEnv(t));
  assert.equal(job.entry, 'a.py');
  assert.match(warnings[0] ?? '', /kaggle-run\.yml is ignored/);
  const yml = await project(t, { 'b.py': '', 'kaggle-run.yml': 'entry: b.py\n' });
  assert.equal((await resolveJob(yml, {}, await isolatedEnv(t))).job.entry, 'b.py');
});

void test('a nearer pyproject section wins over a yaml further up', async (t) => {
  const dir = await project(t, {
    'kaggle-run.yaml': 'entry: top.py\n',
    'top.py': '',
    'pkg/pyproject.toml': '[tool."kaggle-run"]\nentry = "inner.py"\n',
    'pkg/inner.py': '',
  });
  const { job } = await resolveJob(join(dir, 'pkg'), {}, await isolatedEnv(t));
  assert.equal(job.root, join(dir, 'pkg'));
  assert.equal(job.entry, 'inner.py');
});
