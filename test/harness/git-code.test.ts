// Code mode git in the harness: a real bare repository on disk, cloned by a real git at a
// pinned commit, and the extracted-folder fallback of code mode file.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { HarnessCode } from '../../src/harness/settings.js';
import { tempDir } from '../helpers/temp.js';
import { git, repoAndBareRemote, writeFiles } from '../helpers/git.js';
import { baseSettings, runHarness } from './helpers.js';

interface Repo {
  work: string;
  bare: string;
  /** The first commit, under refs/kaggle-run/run-1; the branch has moved on since. */
  pinned: string;
  later: string;
}

/** A repository whose project lives in proj/, pushed to a bare remote. */
async function makeRepo(t: TestContext): Promise<Repo> {
  const { work, bare } = await repoAndBareRemote(t, 'kaggle-run-git-');
  await writeFiles(work, {
    'README.md': 'top\n',
    'proj/train.py':
      'import os, helper\nprint("version", helper.VERSION)\nprint("files", sorted(os.listdir(".")))\n',
    'proj/helper.py': 'VERSION = "pinned"\n',
    'proj/tool.sh': '#!/bin/sh\necho tool\n',
    'proj/data/labels.txt': 'a\nb\n',
  });
  await import('node:fs/promises').then((fs) => fs.chmod(join(work, 'proj/tool.sh'), 0o755));
  await symlink('data/labels.txt', join(work, 'proj/labels-link.txt'));
  await symlink('../README.md', join(work, 'proj/outside-link.md'));
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'pinned');
  const pinned = git(work, 'rev-parse', 'HEAD').trim();
  git(work, 'remote', 'add', 'origin', bare);
  git(work, 'push', '-q', 'origin', 'main');
  git(work, 'push', '-q', 'origin', `${pinned}:refs/kaggle-run/run-1`);
  await writeFile(join(work, 'proj/helper.py'), 'VERSION = "later"\n');
  git(work, 'commit', '-q', '-am', 'later');
  git(work, 'push', '-q', 'origin', 'main');
  const later = git(work, 'rev-parse', 'HEAD').trim();
  return { work, bare, pinned, later };
}

function gitCode(repo: Repo, overrides: Partial<Extract<HarnessCode, { mode: 'git' }>> = {}) {
  return {
    code: {
      mode: 'git' as const,
      url: repo.bare,
      commit: repo.pinned,
      ref: 'refs/kaggle-run/run-1',
      subdir: 'proj',
      tokenSecret: null,
      ...overrides,
    },
  };
}

void test('git: the pinned commit under its hidden ref, the job folder only', async (t) => {
  const repo = await makeRepo(t);
  const run = await runHarness(t, baseSettings(gitCode(repo)));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^version pinned$/m);
  // The job's folder lands at the top of the working dir, as the zip's files would; no .git.
  assert.match(
    run.stdout,
    /^files \['data', 'helper.py', 'kaggle-run-params.json', 'kaggle-run.log', 'labels-link.txt', 'tool.sh', 'train.py'\]$/m,
  );
  assert.equal(existsSync(join(run.working, 'README.md')), false);
  assert.equal(existsSync(join(run.working, '.git')), false);
  // The exec bit survives; a link inside the tree ships as its content, one out is left out.
  assert.equal((await stat(join(run.working, 'tool.sh'))).mode & 0o111, 0o111);
  assert.equal((await stat(join(run.working, 'helper.py'))).mode & 0o111, 0);
  assert.equal(await readFile(join(run.working, 'labels-link.txt'), 'utf8'), 'a\nb\n');
  assert.match(run.stderr, /warning: left out outside-link\.md \(a symbolic link out of/);
  // The cloned code is code, not output.
  assert.deepEqual(
    run.manifest?.files.map((f) => f.path),
    ['kaggle-run.log'],
  );
});

void test('git: without a ref the commit itself is fetched, not the branch tip', async (t) => {
  const repo = await makeRepo(t);
  const run = await runHarness(t, baseSettings(gitCode(repo, { ref: null })));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^version pinned$/m);
});

void test('git: a ref that moved falls back to the commit', async (t) => {
  const repo = await makeRepo(t);
  git(repo.bare, 'update-ref', 'refs/kaggle-run/run-1', repo.later);
  const run = await runHarness(t, baseSettings(gitCode(repo)));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^version pinned$/m);
});

void test('git: the repository top as the job folder', async (t) => {
  const repo = await makeRepo(t);
  const run = await runHarness(
    t,
    baseSettings({ ...gitCode(repo, { subdir: '' }), entry: 'proj/train.py' }),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(await readFile(join(run.working, 'README.md'), 'utf8'), 'top\n');
  assert.equal(existsSync(join(run.working, '.git')), false);
});

void test('git: a commit the remote does not have fails clearly', async (t) => {
  const repo = await makeRepo(t);
  const missing = 'f'.repeat(40);
  const run = await runHarness(t, baseSettings(gitCode(repo, { commit: missing })));
  assert.equal(run.code, 2);
  assert.equal(run.manifest?.failedStep, 'clone');
  assert.match(
    run.stderr,
    new RegExp(
      `error: cannot fetch commit ffffffffffff \\(refs/kaggle-run/run-1\\) from ${repo.bare}`,
    ),
  );
  assert.match(run.stderr, /check that it was pushed there/);
  assert.doesNotMatch(run.stderr, /Traceback/);
  assert.equal(existsSync(join(run.working, 'train.py')), false);
});

void test('git: a folder the commit lacks and an entry it lacks fail clearly', async (t) => {
  const repo = await makeRepo(t);
  const noFolder = await runHarness(t, baseSettings(gitCode(repo, { subdir: 'nope' })));
  assert.equal(noFolder.code, 2);
  assert.match(noFolder.stderr, /the folder "nope" is not in .* at [0-9a-f]{12}/);
  const noEntry = await runHarness(t, baseSettings({ ...gitCode(repo), entry: 'missing.py' }));
  assert.equal(noEntry.code, 2);
  assert.match(noEntry.stderr, /the entry missing\.py is not in .*\(proj\/\)/);
  assert.equal(noEntry.manifest?.failedStep, 'unpack');
});

void test('git: a token goes in a header, never shown; a refused one names its secret', async (t) => {
  const headers: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    headers.push(req.headers.authorization);
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const token = 'ghp_testtoken123456';
  const run = await runHarness(
    t,
    baseSettings({
      code: {
        mode: 'git',
        url: `http://someone:hunter2@127.0.0.1:${port}/owner/repo.git`,
        commit: 'a'.repeat(40),
        ref: null,
        subdir: '',
        tokenSecret: 'GH_TOKEN',
      },
      secrets: ['GH_TOKEN'],
    }),
    { env: { GH_TOKEN: token } },
  );
  assert.equal(run.code, 2);
  assert.equal(run.manifest?.failedStep, 'clone');
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  assert.ok(headers.length > 0);
  assert.ok(
    headers.every((h) => h === `Basic ${basic}`),
    JSON.stringify(headers),
  );
  assert.match(run.stderr, /the token in the Kaggle secret GH_TOKEN was refused/);
  // The URL's credentials are stripped from every message.
  assert.match(
    run.stderr,
    new RegExp(`cannot fetch http://127\\.0\\.0\\.1:${port}/owner/repo\\.git`),
  );
  const log = await readFile(join(run.working, 'kaggle-run.log'), 'utf8');
  for (const text of [run.stdout, run.stderr, log, run.manifest?.error ?? '']) {
    assert.ok(!text.includes(token) && !text.includes(basic) && !text.includes('hunter2'));
  }
});

void test('git: a private repository without a token says which secret to attach', async (t) => {
  const server = createServer((_req, res) => {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const run = await runHarness(
    t,
    baseSettings({
      code: {
        mode: 'git',
        url: `http://127.0.0.1:${port}/owner/repo.git`,
        commit: 'a'.repeat(40),
        ref: null,
        subdir: '',
        tokenSecret: null,
      },
    }),
  );
  assert.equal(run.code, 2);
  assert.match(run.stderr, /the repository looks private/);
  assert.match(run.stderr, /git: \{token_secret: GITHUB_TOKEN\}/);
});

void test('git: no git on PATH is a clear error', async (t) => {
  const repo = await makeRepo(t);
  const bin = await tempDir(t, 'kaggle-run-nogit-');
  const run = await runHarness(t, baseSettings(gitCode(repo)), {
    env: { PATH: bin },
    python: execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
      encoding: 'utf8',
    }).trim(),
  });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /git is not installed in this session \(not on PATH\)/);
  assert.match(run.stderr, /code: dataset/);
});

void test('git: malformed git settings are refused before anything runs', async (t) => {
  const repo = await makeRepo(t);
  const run = await runHarness(t, baseSettings(gitCode(repo, { commit: 'main' })));
  assert.equal(run.code, 2);
  assert.match(run.stderr, /code\.commit "main" must be a full commit hash/);
  const dash = await runHarness(t, baseSettings(gitCode(repo, { url: '--upload-pack=touch x' })));
  assert.match(dash.stderr, /code\.url "--upload-pack=touch x" must be a repository URL/);
});

void test('file: an extracted folder beside the missing zip is copied instead', async (t) => {
  const run = await runHarness(
    t,
    baseSettings({ code: { mode: 'file', path: 'kaggle-run-code/code.zip' } }),
    {
      inputs: {
        'kaggle-run-code/code/train.py': Buffer.from('import lib.util\nprint(lib.util.X)\n'),
        'kaggle-run-code/code/lib/util.py': Buffer.from('X = "from the folder"\n'),
      },
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /code folder found at .*kaggle-run-code\/code \(the code zip, extracted\)/,
  );
  assert.match(run.stdout, /^from the folder$/m);
  assert.deepEqual(
    run.manifest?.files.map((f) => f.path),
    ['kaggle-run.log'],
  );
});
