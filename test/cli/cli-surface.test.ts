import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, copyExample, runCli } from '../helpers/cli.js';
import { packageRoot } from '../../src/util/package-root.js';

void test('run --help groups its options: job, Kaggle, shipping, sweep and batch, output', async () => {
  const help = await cli(['run', '--help']);
  assert.equal(help.code, 0);
  const headings = help.stdout.split('\n').filter((line) => /^[A-Z][\w ]*:$/.test(line));
  assert.deepEqual(headings, [
    'Arguments:',
    'Job options:',
    'Kaggle options:',
    'Shipping options:',
    'Sweep and batch options:',
    'Output options:',
    'Options:',
  ]);
  const section = (heading: string) => help.stdout.split(`${heading}\n`)[1]!.split('\n\n')[0]!;
  assert.match(section('Job options:'), /--entry <file>[\s\S]*--gpu/);
  assert.match(section('Kaggle options:'), /--kaggle[\s\S]*--queue-timeout/);
  assert.match(section('Shipping options:'), /--code <mode>[\s\S]*--data/);
  assert.match(section('Sweep and batch options:'), /--sweep[\s\S]*--batch-mode/);
  assert.match(section('Output options:'), /--output <glob>[\s\S]*--events/);
});

void test('conflicting flags exit 2 before anything runs, naming both', async (t) => {
  const dir = await copyExample(t, 'hello');
  const cases: [string[], RegExp][] = [
    [['--kaggle', '--local'], /'--kaggle' cannot be used with option '--local'/],
    [['--gpu', '--device', 'cpu'], /'--gpu' cannot be used with option '--device <kind>'/],
    [
      ['--accelerator', 't4x2', '--gpu'],
      /'--accelerator <name>' cannot be used with option '--gpu'/,
    ],
    [
      ['--local', '--endpoint', 'http://127.0.0.1:9'],
      /'--local' cannot be used with option '--endpoint <url>'/,
    ],
    // Refused as an error event on stdout, for the program reading the events.
    [['--json', '--events'], /--json and --events both claim stdout/],
  ];
  for (const [flags, message] of cases) {
    const result = await cli(['run', dir, ...flags]);
    assert.equal(result.code, 2, `${flags.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr + result.stdout, message);
  }
  assert.equal(existsSync(join(dir, '.kaggle-run', 'runs')), false);
});

void test('every command that takes a project takes --dir; run and init take it as their folder too', async (t) => {
  const dir = await copyExample(t, 'hello');
  for (const command of ['run', 'init', 'runs', 'show', 'logs', 'outputs', 'attach', 'status']) {
    const help = await cli([command, '--help']);
    assert.match(help.stdout, /--dir <dir> +project folder, or any folder inside it/, command);
  }
  for (const command of ['show', 'logs', 'outputs', 'attach', 'status']) {
    const help = await cli([command, '--help']);
    assert.match(
      help.stdout,
      new RegExp(`Usage: kaggle-run ${command} \\[options\\] <run>`),
      command,
    );
    assert.match(help.stdout, /run +run id, a unique part of one, or `last`/, command);
  }
  // The same run through the argument, through --dir, and through both naming one folder.
  const viaArg = await cli(['run', dir, '--json']);
  assert.equal(viaArg.code, 0, viaArg.stderr);
  const viaFlag = await cli(['run', '--dir', dir, '--json', '--new']);
  assert.equal(viaFlag.code, 0, viaFlag.stderr);
  const both = await cli(['run', dir, '--dir', join(dir, '.'), '--json', '--new']);
  assert.equal(both.code, 0, both.stderr);
  const listed = await cli(['runs', '--dir', dir, '--json']);
  assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 3);

  const differ = await cli(['run', dir, '--dir', join(dir, '..')]);
  assert.equal(differ.code, 2);
  assert.match(differ.stderr, /name different projects/);
  assert.match(differ.stderr, /either as the argument or as --dir/);
});

void test('--version prints the package version, from the entry and in-process alike', async () => {
  const pkg = JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  for (const flag of ['--version', '-V']) {
    const entry = await runCli([flag]);
    assert.equal(entry.code, 0);
    assert.equal(entry.stdout, `${pkg.version}\n`);
    const inProcess = await cli([flag]);
    assert.equal(inProcess.code, 0);
    assert.equal(inProcess.stdout, `${pkg.version}\n`);
  }
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  for (const command of ['run', 'runs', 'show', 'attach', 'push', 'server', 'sweep'])
    assert.match(help.stdout, new RegExp(`\\n  ${command} `));
});

void test('the published package holds the bundled entry and runs from it', async () => {
  const pkg = JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    files: string[];
  };
  assert.equal(pkg.bin['kaggle-run'], 'bin/kaggle-run.js');
  assert.ok(pkg.files.includes('dist/cli'));
  const entry = await readFile(join(packageRoot(), 'bin', 'kaggle-run.js'), 'utf8');
  assert.match(entry, /'dist', 'cli', 'main\.cjs'/);
  const bundle = await readFile(join(packageRoot(), 'dist', 'cli', 'main.cjs'), 'utf8');
  // Strict, as the ES modules it is made of: the directive must be the bundle's first line.
  assert.match(bundle, /^"use strict";\n/);
  assert.ok(existsSync(join(packageRoot(), 'dist', 'cli', 'small-files-worker.js')));
});
