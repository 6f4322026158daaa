// Git code shipping end to end: the real CLI against `kaggle-run server`, whose kernel clones
// a real bare repository (a local path: this machine is the "internet" here) at the pinned
// commit; and env_file values shipped as a dataset and masked in every saved log.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { kaggleEnv, startTestServer, tempDir } from '../server/helpers.js';
import { runCli } from '../helpers/cli.js';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();
}

void test('code: git with a dirty tree: the kernel runs the working tree via a hidden ref; the branch is untouched', async (t) => {
  const server = await startTestServer(t);
  const env = await kaggleEnv(t);
  const remote = join(await tempDir(t), 'remote.git');
  execFileSync('git', ['init', '-q', '--bare', remote]);
  const dir = await tempDir(t);
  git(dir, 'init', '-q', '-b', 'main');
  await writeFile(join(dir, 'kaggle-run.yaml'), 'name: gitjob\nentry: train.py\ncode: git\n');
  await writeFile(join(dir, 'train.py'), 'print("version", 1)\n');
  await writeFile(join(dir, '.gitignore'), '.kaggle-run/\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'one');
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'push', '-q', 'origin', 'main');
  const head = git(dir, 'rev-parse', 'HEAD');

  const clean = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], { env });
  assert.equal(clean.code, 0, clean.stderr);
  const cleanRecord = JSON.parse(clean.stdout) as RunRecord;
  assert.equal(cleanRecord.shipping?.mode, 'git');
  assert.equal(cleanRecord.shipping?.commit, head);
  assert.match(clean.stderr, /version 1/);

  await writeFile(join(dir, 'train.py'), 'print("version", 2)\n');
  const statusBefore = git(dir, 'status', '--porcelain');
  const dirty = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], { env });
  assert.equal(dirty.code, 0, dirty.stderr);
  const record = JSON.parse(dirty.stdout) as RunRecord;
  assert.match(dirty.stderr, /version 2/);
  assert.notEqual(record.shipping?.commit, head);
  assert.equal(
    git(remote, 'rev-parse', `refs/kaggle-run/${record.runId}`),
    record.shipping?.commit,
  );
  assert.equal(git(dir, 'rev-parse', 'HEAD'), head, 'the branch did not move');
  assert.equal(git(dir, 'status', '--porcelain'), statusBefore, 'index and files as they were');
  assert.equal(await readFile(join(dir, 'train.py'), 'utf8'), 'print("version", 2)\n');
});

void test('code: git with internet off, or without a remote, is refused before any push', async (t) => {
  const server = await startTestServer(t);
  const env = await kaggleEnv(t);
  const dir = await tempDir(t);
  git(dir, 'init', '-q', '-b', 'main');
  await writeFile(join(dir, 'train.py'), 'print(1)\n');
  await writeFile(join(dir, 'kaggle-run.yaml'), 'name: g\nentry: train.py\ninternet: false\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'one');
  const offline = await runCli(
    ['run', dir, '--kaggle', '--endpoint', server.url, '--code', 'git'],
    { env },
  );
  assert.equal(offline.code, 2, offline.stderr);
  assert.match(offline.stderr, /internet is off/);
  await writeFile(join(dir, 'kaggle-run.yaml'), 'name: g\nentry: train.py\n');
  const noRemote = await runCli(
    ['run', dir, '--kaggle', '--endpoint', server.url, '--code', 'git'],
    { env },
  );
  assert.equal(noRemote.code, 2, noRemote.stderr);
  assert.match(noRemote.stderr, /origin/);
  assert.equal(Object.keys(server.stats().pushes).length, 0);
});

void test('env_file on Kaggle: values reach the program through a private dataset and are masked in every log', async (t) => {
  const server = await startTestServer(t);
  const env = await kaggleEnv(t);
  const dir = await tempDir(t);
  const value = 'wandb-0123456789-secret';
  await writeFile(join(dir, '.env.kaggle'), `WANDB_API_KEY=${value}\nUNUSED=zzzz-not-shipped\n`);
  await writeFile(
    join(dir, 'train.py'),
    'import os, sys\nv = os.environ["WANDB_API_KEY"]\nprint("key is", v)\nprint("len", len(v))\nprint("unused" , os.environ.get("UNUSED"))\nsys.stderr.write("err " + v + "\\n")\n',
  );
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: envjob\nentry: train.py\nenv_file: {path: .env.kaggle, vars: [WANDB_API_KEY]}\n',
  );
  const result = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], {
    env,
  });
  assert.equal(result.code, 0, result.stderr);
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.match(result.stderr, /key is \*\*\*/);
  assert.match(result.stderr, new RegExp(`len ${value.length}`));
  assert.match(result.stderr, /unused None/);
  const saved = await readFile(
    join(dir, '.kaggle-run', 'runs', record.runId, 'log.jsonl'),
    'utf8',
  ).catch(async () => {
    const files = await readdir(join(dir, '.kaggle-run', 'runs', record.runId));
    throw new Error(`no log file among ${files.join(', ')}`);
  });
  assert.match(saved, /key is \*\*\*/);
  for (const text of [result.stdout, result.stderr, saved]) assert.ok(!text.includes(value));
  const logs = await runCli(['logs', record.runId], { cwd: dir, env });
  assert.ok(!logs.stdout.includes(value) && logs.stdout.includes('***'));
  // Nothing with the value stays in the run's folder.
  for (const file of await readdir(join(dir, '.kaggle-run', 'runs', record.runId))) {
    if (file === 'outputs') continue;
    const text = await readFile(join(dir, '.kaggle-run', 'runs', record.runId, file)).catch(() =>
      Buffer.alloc(0),
    );
    assert.ok(!text.includes(value), `${file} holds the value`);
  }
});
