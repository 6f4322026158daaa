import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { selectFiles } from '../../src/pack/index.js';
import { UsageError } from '../../src/errors.js';
import { tempDir } from '../helpers/temp.js';

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  });
}

function gitInit(root: string): void {
  git(root, 'init', '-q');
}

const secretFiles = {
  'kaggle.json': '{"username":"u","key":"k"}',
  '.env': 'TOKEN=1',
  '.env.local': 'TOKEN=2',
  id_rsa: 'PRIVATE',
  'id_rsa.pub': 'ssh-rsa AAAA',
  'server.pem': 'PEM',
  'sub/dir/credentials.json': '{}',
  '.ssh/config': 'Host x',
};

void test('git mode: tracked and untracked files ship, ignored ones do not, rules adjust', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, {
    '.gitignore': '*.log\nweights/\n.env*\nkaggle.json\n',
    '.kaggleignore': 'data/\n',
    'train.py': 'print(1)\n',
    'src/model.py': 'x = 1\n',
    'data/raw.csv': 'a,b\n',
    'docs/readme.md': '# docs\n',
    'gone.py': 'deleted later\n',
    ...secretFiles,
  });
  gitInit(root);
  git(root, 'add', '-A');
  git(root, 'add', '-f', 'kaggle.json', '.env', '.env.local');
  git(root, 'commit', '-qm', 'init');
  await unlink(join(root, 'gone.py'));
  await writeTree(root, {
    'notes.md': 'untracked, not ignored\n',
    'debug.log': 'ignored\n',
    'weights/big.pt': 'ignored but included\n',
    'weights/old.pt': 'included and excluded: exclude wins\n',
  });

  const { files, excluded } = await selectFiles(root, {
    include: ['weights/*.pt', 'kaggle.json', '.env'],
    exclude: ['docs', 'weights/old.pt'],
  });
  assert.deepEqual(files, [
    '.gitignore',
    '.kaggleignore',
    'id_rsa.pub',
    'notes.md',
    'src/model.py',
    'train.py',
    'weights/big.pt',
  ]);
  assert.deepEqual(
    excluded.map((e) => e.path),
    [
      '.env',
      '.env.local',
      '.ssh/config',
      'id_rsa',
      'kaggle.json',
      'server.pem',
      'sub/dir/credentials.json',
    ],
  );
  const reasons = Object.fromEntries(excluded.map((e) => [e.path, e.reason]));
  assert.match(reasons['kaggle.json'] ?? '', /credential file \(kaggle\.json\) is never packed/);
  assert.match(reasons['.env.local'] ?? '', /environment file/);
  assert.match(reasons['id_rsa'] ?? '', /private key/);
  assert.match(reasons['server.pem'] ?? '', /private key or certificate/);
  assert.match(reasons['.ssh/config'] ?? '', /\.ssh/);
});

void test('git mode from a subfolder lists only files under it, relative to it', async (t) => {
  const repo = await tempDir(t);
  await writeTree(repo, { 'outside.py': '', 'project/main.py': '', 'project/lib/util.py': '' });
  gitInit(repo);
  git(repo, 'add', '-A');
  const { files } = await selectFiles(join(repo, 'project'), { include: [], exclude: [] });
  assert.deepEqual(files, ['lib/util.py', 'main.py']);
});

const walkTree = {
  '.gitignore': '*.log\nbuild/\n',
  'a.py': '',
  'x.log': '',
  'build/out.txt': '',
  'node_modules/pkg/index.js': '',
  'sub/.gitignore': '!keep.log\nlocal.txt\n',
  'sub/b.py': '',
  'sub/keep.log': '',
  'sub/local.txt': '',
  'sub/other.log': '',
  'sub/deeper/c.log': '',
  'sub/deeper/d.py': '',
};
const walkExpected = [
  '.gitignore',
  'a.py',
  'node_modules/pkg/index.js',
  'sub/.gitignore',
  'sub/b.py',
  'sub/deeper/d.py',
  'sub/keep.log',
];

void test('walk mode (no git) honours .gitignore files at every level and skips .git/', async (t) => {
  const root = await tempDir(t);
  // An empty .git folder is no repository: git refuses it, so this is walk mode.
  await writeTree(root, { ...walkTree, '.git/junk': '', '.kaggle-run/runs/r/run.json': '{}' });
  const { files, excluded } = await selectFiles(root, { include: [], exclude: [] });
  assert.deepEqual(files, walkExpected);
  assert.deepEqual(excluded, []);
});

void test('walk mode chooses what git chooses on the same tree', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, walkTree);
  gitInit(root);
  const { files } = await selectFiles(root, { include: [], exclude: [] });
  assert.deepEqual(files, walkExpected);
});

void test('walk mode: include brings back ignored files, exclude and .kaggleignore remove', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, {
    ...walkTree,
    '.kaggleignore': 'node_modules/\n*.md\n',
    'README.md': '',
    ...secretFiles,
  });
  const { files, excluded } = await selectFiles(root, {
    include: ['build', '**/*.log', '.ssh/config'],
    exclude: ['sub/deeper/**'],
  });
  assert.deepEqual(files, [
    '.gitignore',
    '.kaggleignore',
    'a.py',
    'build/out.txt',
    'id_rsa.pub',
    'sub/.gitignore',
    'sub/b.py',
    'sub/keep.log',
    'sub/other.log',
    'x.log',
  ]);
  assert.equal(excluded.length, 7);
});

void test('symlinks: inside the root packed, outside or dangling or secret left out', async (t) => {
  for (const mode of ['git', 'walk']) {
    const root = await tempDir(t);
    const elsewhere = await tempDir(t);
    await writeTree(elsewhere, { 'secret.txt': 'outside' });
    await writeTree(root, { 'real/target.txt': 'inside', 'kaggle.json': '{}' });
    await symlink('real/target.txt', join(root, 'link.txt'));
    await symlink(join(elsewhere, 'secret.txt'), join(root, 'out.txt'));
    await symlink('missing.txt', join(root, 'dangling.txt'));
    await symlink('kaggle.json', join(root, 'config.json'));
    await symlink('real', join(root, 'linkdir'));
    if (mode === 'git') gitInit(root);
    const { files, excluded } = await selectFiles(root, { include: [], exclude: [] });
    assert.deepEqual(files, ['link.txt', 'real/target.txt'], mode);
    const reasons = Object.fromEntries(excluded.map((e) => [e.path, e.reason]));
    assert.match(reasons['out.txt'] ?? '', /outside the project/, mode);
    assert.match(reasons['dangling.txt'] ?? '', /dangling/, mode);
    assert.match(reasons['config.json'] ?? '', /symlink to kaggle\.json: credential file/, mode);
    assert.match(reasons['linkdir'] ?? '', /folder/, mode);
  }
});

void test('a nested repository is reported, and include packs its files', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { 'main.py': '', 'vendor/lib/x.py': '' });
  gitInit(root);
  gitInit(join(root, 'vendor/lib'));
  const plain = await selectFiles(root, { include: [], exclude: [] });
  assert.deepEqual(plain.files, ['main.py']);
  assert.match(plain.excluded[0]?.reason ?? '', /nested repository/);
  const included = await selectFiles(root, { include: ['vendor/lib'], exclude: [] });
  assert.deepEqual(included.files, ['main.py', 'vendor/lib/x.py']);
  assert.deepEqual(included.excluded, []);
});

void test('globs that leave the project and missing roots are usage errors', async (t) => {
  const root = await tempDir(t);
  await assert.rejects(selectFiles(root, { include: ['../x.py'], exclude: [] }), UsageError);
  await assert.rejects(
    selectFiles(join(root, 'nope'), { include: [], exclude: [] }),
    (error: unknown) => error instanceof UsageError && /not found/.test(error.message),
  );
});
