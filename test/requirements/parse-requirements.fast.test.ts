// requirements read as pip reads a requirements file, from real files in a temp project.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { parseRequirements } from '../../src/requirements/parse-requirements.js';
import { tempDir } from '../helpers/temp.js';

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

void test('a file with comments, continuations, -r, -c, -e, index options, markers and hashes', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, {
    'reqs/main.txt': [
      '# the model',
      '--index-url https://pypi.example/simple',
      '--extra-index-url=https://extra.example/simple',
      'numpy>=1.24  # pinned below',
      'torch==2.3.0 ; platform_machine == "x86_64"',
      'requests==2.32.3 \\',
      '    --hash=sha256:aaaa',
      '-r dev.txt',
      '-c ../constraints.txt',
      '-e .',
      'mylib @ https://example.com/mylib-1.0.tar.gz#egg=mylib',
      '',
    ].join('\n'),
    'reqs/dev.txt': 'pytest\n-r ../more/extra.txt\n',
    'more/extra.txt': 'rich[jupyter]>=13\n',
    'constraints.txt': 'urllib3<3\n',
  });
  const parsed = await parseRequirements(root, { file: 'reqs/main.txt' });
  assert.equal(
    parsed.text,
    [
      '--index-url https://pypi.example/simple',
      '--extra-index-url https://extra.example/simple',
      'numpy>=1.24',
      'torch==2.3.0 ; platform_machine == "x86_64"',
      'requests==2.32.3     --hash=sha256:aaaa',
      'pytest',
      'rich[jupyter]>=13',
      '-c constraints.txt',
      '-e .',
      'mylib @ https://example.com/mylib-1.0.tar.gz#egg=mylib',
      '',
    ].join('\n'),
  );
  assert.deepEqual(parsed.requirements, [
    'numpy>=1.24',
    'torch==2.3.0 ; platform_machine == "x86_64"',
    'requests==2.32.3',
    'pytest',
    'rich[jupyter]>=13',
    '-e .',
    'mylib @ https://example.com/mylib-1.0.tar.gz#egg=mylib',
  ]);
  assert.deepEqual(parsed.files, [
    'reqs/main.txt',
    'reqs/dev.txt',
    'more/extra.txt',
    'constraints.txt',
  ]);
  assert.deepEqual(parsed.localPaths, ['-e .']);
});

void test('inline entries are lines of a requirements file: `-e .` is an option and a path', async (t) => {
  const root = await tempDir(t);
  const parsed = await parseRequirements(root, {
    packages: ['-e .', 'numpy==1.26.4', '--pre', 'pkg; python_version < "3.13"', '# a note'],
  });
  assert.equal(parsed.text, '-e .\nnumpy==1.26.4\n--pre\npkg; python_version < "3.13"\n');
  assert.deepEqual(parsed.localPaths, ['-e .']);
});

void test('what pip refuses or a session cannot use is a usage error naming the line', async (t) => {
  const root = await tempDir(t);
  const outside = await tempDir(t);
  await writeTree(outside, { 'x.txt': 'numpy\n' });
  await writeTree(root, { 'loop.txt': 'a\n-r loop.txt\n', 'ok.txt': 'b\n' });
  const cases: [string[] | string, RegExp][] = [
    [['--user'], /requirements\[0\].*--user installs into your home folder/],
    [['numpy', '--target /x'], /requirements\[1\].*--target/],
    [['--frobnicate'], /pip does not accept --frobnicate in a requirements file/],
    [['numpy --upgrade'], /pip does not accept --upgrade after a requirement/],
    [['-r'], /-r needs a file/],
    [['-e'], /-e needs a path or URL/],
    [['--index-url'], /--index-url needs a value/],
    [['--pre now'], /--pre takes no value/],
    [[`-r ${join(outside, 'x.txt')}`], /is outside the project/],
    [['-r missing.txt'], /cannot read missing\.txt: ENOENT/],
    ['loop.txt', /loop\.txt:2.*includes itself \(loop\.txt -> loop\.txt\)/],
  ];
  for (const [source, message] of cases) {
    await assert.rejects(
      parseRequirements(root, typeof source === 'string' ? { file: source } : { packages: source }),
      (error: unknown) => error instanceof UsageError && message.test(error.message),
      String(source),
    );
  }
  assert.equal((await parseRequirements(root, { file: 'ok.txt' })).text, 'b\n');
});
