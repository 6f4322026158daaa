// shipGitCode against real repositories and a real bare remote on disk (and one served over
// HTTP on 127.0.0.1 by git's own http-backend, to tell a private repository from a public one).

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { PlatformError, UsageError } from '../../src/errors.js';
import { testJob } from '../helpers/job.js';
import type { Job } from '../../src/job.js';
import { shipGitCode } from '../../src/ship/git-code.js';
import { kernelUrl } from '../../src/ship/git-remote.js';
import { tempDir } from '../helpers/temp.js';
import { git, repoAndBareRemote, writeFiles } from '../helpers/git.js';

function job(root: string, git: Partial<Job['git']> = {}): Job {
  return testJob({
    root,
    code: 'git',
    git: { remote: 'origin', tokenSecret: undefined, commit: false, ...git },
  });
}

interface Repo {
  dir: string;
  work: string;
  bare: string;
  /** The project folder inside the repository (the job root). */
  proj: string;
  pushed: string;
}

/** A repository with its project in proj/, committed and pushed to a bare remote. */
async function makeRepo(t: TestContext, remote = true): Promise<Repo> {
  const { dir, work, bare } = await repoAndBareRemote(t, 'kaggle-run-ship-git-');
  await writeFiles(work, {
    '.gitignore': 'proj/cache/\n',
    'proj/train.py': 'print("v1")\n',
    'proj/model.py': 'LAYERS = 1\n',
    'proj/notes.md': 'notes\n',
  });
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'first');
  if (remote) {
    git(work, 'remote', 'add', 'origin', bare);
    git(work, 'push', '-q', 'origin', 'main');
  }
  return {
    dir,
    work,
    bare,
    proj: join(work, 'proj'),
    pushed: git(work, 'rev-parse', 'HEAD').trim(),
  };
}

/** Everything a snapshot must leave alone: refs, index (bytes and meaning), status, files. */
async function userState(work: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.name === '.git') continue;
      if (entry.isDirectory()) await walk(full);
      else files[relative(work, full)] = (await readFile(full)).toString('base64');
    }
  };
  await walk(work);
  // --no-optional-locks: the test's own status must not refresh the index it compares.
  const look = (...args: string[]) => git(work, '--no-optional-locks', ...args);
  return {
    head: look('rev-parse', 'HEAD'),
    branch: look('symbolic-ref', 'HEAD'),
    refs: look('for-each-ref'),
    cached: look('diff', '--cached'),
    index: (await readFile(join(work, '.git/index'))).toString('base64'),
    status: look('status', '--porcelain'),
    files: JSON.stringify(files),
  };
}

void test('a clean tree whose HEAD the remote has ships HEAD, pushing nothing', async (t) => {
  const repo = await makeRepo(t);
  const shipped = await shipGitCode(job(repo.proj), 'run-1');
  assert.deepEqual(shipped, {
    url: repo.bare,
    commit: repo.pushed,
    ref: 'refs/heads/main',
    subdir: 'proj',
    snapshot: false,
    dirty: false,
    warnings: [`the remote ${repo.bare} is a local path, which a Kaggle session cannot reach`],
  });
  assert.equal(git(repo.bare, 'for-each-ref', 'refs/kaggle-run'), '');
});

void test('a HEAD behind the branch tip ships as itself, with no ref', async (t) => {
  const repo = await makeRepo(t);
  await writeFile(join(repo.proj, 'model.py'), 'LAYERS = 2\n');
  git(repo.work, 'commit', '-q', '-am', 'second');
  git(repo.work, 'push', '-q', 'origin', 'main');
  git(repo.work, 'checkout', '-q', '--detach', repo.pushed);
  const shipped = await shipGitCode(job(repo.proj), 'run-1');
  assert.equal(shipped.commit, repo.pushed);
  assert.equal(shipped.ref, null);
  assert.equal(shipped.snapshot, false);
});

void test('a dirty tree ships a snapshot to a hidden ref and leaves the user state alone', async (t) => {
  const repo = await makeRepo(t);
  await writeFile(join(repo.proj, 'train.py'), 'print("v2, not staged")\n');
  await writeFile(join(repo.proj, 'model.py'), 'LAYERS = 3\n');
  git(repo.work, 'add', 'proj/model.py');
  await writeFile(join(repo.proj, 'model.py'), 'LAYERS = 4\n'); // staged 3, worktree 4
  await writeFiles(repo.proj, {
    'new_module.py': 'NEW = True\n',
    'cache/big.bin': 'ignored',
    '.env': 'HF_TOKEN=hf_secret\n',
    'keys/id_rsa': 'PRIVATE KEY',
  });
  const before = await userState(repo.work);
  const shipped = await shipGitCode(job(repo.proj), '20260101-000000-hello-abcd');

  const ref = 'refs/kaggle-run/20260101-000000-hello-abcd';
  assert.equal(shipped.ref, ref);
  assert.equal(shipped.snapshot, true);
  assert.equal(shipped.dirty, true);
  assert.equal(git(repo.bare, 'rev-parse', ref).trim(), shipped.commit);
  assert.equal(git(repo.bare, 'rev-parse', 'refs/heads/main').trim(), repo.pushed);
  assert.equal(git(repo.bare, 'rev-parse', `${shipped.commit}^`).trim(), repo.pushed);
  assert.equal(
    git(repo.bare, 'log', '-1', '--format=%s', shipped.commit).trim(),
    'kaggle-run snapshot 20260101-000000-hello-abcd',
  );
  // The working tree's content, not the index's; no ignored file, no secret.
  const show = (path: string) => git(repo.bare, 'show', `${shipped.commit}:${path}`);
  assert.equal(show('proj/train.py'), 'print("v2, not staged")\n');
  assert.equal(show('proj/model.py'), 'LAYERS = 4\n');
  assert.equal(show('proj/new_module.py'), 'NEW = True\n');
  assert.deepEqual(git(repo.bare, 'ls-tree', '-r', '--name-only', shipped.commit).split('\n'), [
    '.gitignore',
    'proj/model.py',
    'proj/new_module.py',
    'proj/notes.md',
    'proj/train.py',
    '',
  ]);
  assert.deepEqual(
    shipped.warnings.filter((w) => w.startsWith('left out')),
    [
      'left out of the snapshot: proj/.env: environment file (.env) is never packed',
      'left out of the snapshot: proj/keys/id_rsa: private key (id_rsa) is never packed',
    ],
  );
  assert.deepEqual(await userState(repo.work), before);
});

/** Every file under the repository's object store, with its bytes' length and hash. */
async function objectStore(work: string): Promise<string[]> {
  const root = join(work, '.git', 'objects');
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else {
        const bytes = await readFile(full);
        found.push(`${relative(root, full)} ${createHash('sha256').update(bytes).digest('hex')}`);
      }
    }
  };
  await walk(root);
  return found.sort();
}

void test('a snapshot writes nothing into the user object store, secrets least of all', async (t) => {
  const repo = await makeRepo(t);
  await writeFile(join(repo.proj, 'train.py'), 'print("v2")\n');
  const secrets = {
    '.env': 'HF_TOKEN=hf_never_in_objects\n',
    'kaggle.json': '{"username":"u","key":"never_in_objects"}',
    'keys/id_rsa': 'PRIVATE never_in_objects',
    '.npmrc': '//registry.npmjs.org/:_authToken=never_in_objects\n',
    'sa.json': JSON.stringify({ type: 'service_account', private_key: 'never_in_objects' }),
  };
  await writeFiles(repo.proj, { 'new.py': 'NEW = 1\n', ...secrets });
  const before = await objectStore(repo.work);
  const shipped = await shipGitCode(job(repo.proj), '20260101-000000-objects-abcd');
  assert.deepEqual(await objectStore(repo.work), before);
  // The remote got the snapshot whole, and none of the secrets.
  const listed = git(repo.bare, 'ls-tree', '-r', '--name-only', shipped.commit).split('\n');
  assert.deepEqual(listed, [
    '.gitignore',
    'proj/model.py',
    'proj/new.py',
    'proj/notes.md',
    'proj/train.py',
    '',
  ]);
  assert.equal(git(repo.bare, 'show', `${shipped.commit}:proj/train.py`), 'print("v2")\n');
  assert.equal(
    shipped.warnings.filter((w) => w.startsWith('left out')).length,
    Object.keys(secrets).length,
  );
  // Neither does any object the remote holds carry a secret's bytes.
  const all = git(repo.bare, 'cat-file', '--batch-all-objects', '--batch');
  assert.ok(!all.includes('never_in_objects'));
  // The user's repository does not know the snapshot commit: it was never written there.
  assert.throws(() => git(repo.work, 'cat-file', '-e', shipped.commit));
});

void test('committed but unpushed work ships HEAD itself under the hidden ref', async (t) => {
  const repo = await makeRepo(t);
  await writeFile(join(repo.proj, 'model.py'), 'LAYERS = 2\n');
  git(repo.work, 'commit', '-q', '-am', 'local only');
  const head = git(repo.work, 'rev-parse', 'HEAD').trim();
  const before = await userState(repo.work);
  const shipped = await shipGitCode(job(repo.proj), 'run-2');
  assert.equal(shipped.commit, head);
  assert.equal(shipped.ref, 'refs/kaggle-run/run-2');
  assert.equal(shipped.snapshot, true);
  assert.equal(shipped.dirty, false);
  assert.equal(git(repo.bare, 'rev-parse', 'refs/kaggle-run/run-2').trim(), head);
  assert.deepEqual(await userState(repo.work), before);
});

void test('a repository without commits ships a snapshot without parent', async (t) => {
  const dir = await tempDir(t, 'kaggle-run-ship-git-');
  const work = join(dir, 'work');
  git(dir, 'init', '-q', '--bare', 'remote.git');
  git(dir, 'init', '-q', '-b', 'main', work);
  git(work, 'remote', 'add', 'origin', join(dir, 'remote.git'));
  await writeFiles(work, { 'train.py': 'print(1)\n' });
  // No identity anywhere: shipGitCode supplies one for the snapshot commit.
  const home = await tempDir(t, 'kaggle-run-home-');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: '1' };
  const shipped = await shipGitCode(job(work), 'run-3', { env });
  assert.equal(shipped.subdir, '');
  assert.equal(shipped.snapshot, true);
  const bare = join(dir, 'remote.git');
  assert.equal(git(bare, 'rev-list', '--count', shipped.commit).trim(), '1');
  assert.equal(
    git(bare, 'log', '-1', '--format=%cn <%ce>', shipped.commit).trim(),
    'kaggle-run <kaggle-run@localhost>',
  );
  assert.equal(git(work, 'status', '--porcelain'), '?? train.py\n');
});

void test('--git-commit commits on the branch and pushes it', async (t) => {
  const repo = await makeRepo(t);
  await writeFile(join(repo.proj, 'train.py'), 'print("v2")\n');
  await writeFiles(repo.proj, { 'extra.py': 'X = 1\n' });
  const shipped = await shipGitCode(job(repo.proj, { commit: true }), 'run-4');
  const head = git(repo.work, 'rev-parse', 'HEAD').trim();
  assert.notEqual(head, repo.pushed);
  assert.equal(shipped.commit, head);
  assert.equal(shipped.ref, 'refs/heads/main');
  assert.equal(shipped.snapshot, false);
  assert.equal(shipped.dirty, true);
  assert.equal(git(repo.work, 'log', '-1', '--format=%s').trim(), 'kaggle-run: run-4');
  assert.equal(git(repo.bare, 'rev-parse', 'refs/heads/main').trim(), head);
  assert.equal(git(repo.work, 'status', '--porcelain'), '');
});

void test('--git-commit refuses to commit a secret and changes nothing', async (t) => {
  const repo = await makeRepo(t);
  await writeFiles(repo.proj, { '.env': 'A=b\n', 'extra.py': 'X = 1\n' });
  const before = await userState(repo.work);
  await assert.rejects(shipGitCode(job(repo.proj, { commit: true }), 'run-5'), (error) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /would commit and push proj\/\.env, which looks like secrets/);
    return true;
  });
  assert.deepEqual(await userState(repo.work), before);
});

void test('a missing remote, an unreachable one and no repository are clear errors', async (t) => {
  const repo = await makeRepo(t, false);
  await assert.rejects(shipGitCode(job(repo.proj), 'r'), (error) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /the git remote origin is not set in /);
    assert.match(error.hint ?? '', /git remote add origin .*code: dataset/);
    return true;
  });
  git(repo.work, 'remote', 'add', 'origin', join(repo.dir, 'nowhere.git'));
  await assert.rejects(shipGitCode(job(repo.proj), 'r'), (error) => {
    assert.ok(error instanceof PlatformError);
    assert.match(
      error.message,
      /the git remote origin \(.*nowhere\.git\) is unreachable: .*nowhere\.git/,
    );
    return true;
  });
  const plain = await tempDir(t, 'kaggle-run-not-git-');
  await assert.rejects(shipGitCode(job(plain), 'r'), (error) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /is not inside a git repository/);
    assert.match(error.hint ?? '', /git init.*code: dataset/);
    return true;
  });
});

void test('an ssh remote is cloned over https by the kernel', async (t) => {
  const repo = await makeRepo(t);
  // A fake ssh that runs the remote command locally, in a folder holding owner/repo.git.
  const host = await tempDir(t, 'kaggle-run-ssh-host-');
  git(host, 'init', '-q', '--bare', 'owner/repo.git');
  git(repo.work, 'push', '-q', join(host, 'owner/repo.git'), 'main');
  const ssh = join(host, 'fake-ssh');
  await writeFile(
    ssh,
    '#!/bin/sh\nfor last; do :; done\ncd "$(dirname "$0")" && exec sh -c "$last"\n',
  );
  await chmod(ssh, 0o755);
  git(repo.work, 'remote', 'set-url', 'origin', 'git@example.invalid:owner/repo.git');
  const env = { ...process.env, GIT_SSH_COMMAND: ssh, GIT_SSH_VARIANT: 'simple' };
  // With a token secret: the anonymous https check would need the network.
  const shipped = await shipGitCode(job(repo.proj, { tokenSecret: 'GITHUB_TOKEN' }), 'r', { env });
  assert.equal(shipped.url, 'https://example.invalid/owner/repo.git');
  assert.equal(shipped.commit, repo.pushed);
  assert.equal(shipped.ref, 'refs/heads/main');
  assert.deepEqual(shipped.warnings, [
    'the remote git@example.invalid:owner/repo.git is an SSH URL; the Kaggle session clones https://example.invalid/owner/repo.git instead (it has no SSH keys)',
  ]);
});

void test('kernelUrl rewrites ssh forms and drops credentials', () => {
  const cases: [string, string][] = [
    ['git@github.com:owner/repo.git', 'https://github.com/owner/repo.git'],
    ['github.com:owner/repo', 'https://github.com/owner/repo'],
    ['ssh://git@github.com/owner/repo.git', 'https://github.com/owner/repo.git'],
    [
      'ssh://git@gitlab.example.com:2222/group/sub/repo.git',
      'https://gitlab.example.com/group/sub/repo.git',
    ],
    ['git+ssh://github.com/owner/repo.git', 'https://github.com/owner/repo.git'],
    ['https://user:pass@github.com/owner/repo.git', 'https://github.com/owner/repo.git'],
    ['https://github.com/owner/repo.git', 'https://github.com/owner/repo.git'],
    ['/srv/git/repo.git', '/srv/git/repo.git'],
  ];
  for (const [from, to] of cases) assert.equal(kernelUrl(from).url, to, from);
  assert.deepEqual(kernelUrl('https://github.com/owner/repo.git').warnings, []);
});

/** Serves `root` with git's http-backend; every request must carry `authorization`. */
async function gitHttpServer(t: TestContext, root: string, authorization: string): Promise<number> {
  const server = createServer((req, res) => {
    if (req.headers.authorization !== authorization) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(child.stdin);
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.on('close', () => {
      const all = Buffer.concat(out);
      const split = all.indexOf('\r\n\r\n');
      const head = all.subarray(0, split).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head) {
        const [name = '', ...rest] = line.split(':');
        if (name.toLowerCase() === 'status') status = Number.parseInt(rest.join(':').trim(), 10);
        else headers[name] = rest.join(':').trim();
      }
      res.writeHead(status, headers).end(all.subarray(split + 4));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

void test('a repository only the user can read needs a token secret', async (t) => {
  const repo = await makeRepo(t);
  const auth = `Basic ${Buffer.from('me:pw').toString('base64')}`;
  const port = await gitHttpServer(t, repo.dir, auth);
  git(repo.work, 'remote', 'set-url', 'origin', `http://127.0.0.1:${port}/remote.git`);
  git(repo.work, 'config', 'credential.helper', '!f() { echo username=me; echo password=pw; }; f');
  await assert.rejects(shipGitCode(job(repo.proj), 'r'), (error) => {
    assert.ok(error instanceof UsageError);
    assert.match(
      error.message,
      /cannot read http:\/\/127\.0\.0\.1:\d+\/remote\.git without a token/,
    );
    assert.match(error.hint ?? '', /git: \{token_secret: GITHUB_TOKEN\}/);
    return true;
  });
  const shipped = await shipGitCode(job(repo.proj, { tokenSecret: 'GITHUB_TOKEN' }), 'r');
  assert.equal(shipped.commit, repo.pushed);
  assert.equal(shipped.url, `http://127.0.0.1:${port}/remote.git`);
});
