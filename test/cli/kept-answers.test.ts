// The entry answers `--version` and each command's `--help` from texts the build kept
// (dist/cli/texts.json) without loading the CLI: they must be what the CLI itself prints.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, runCli } from '../helpers/cli.js';
import { packageRoot } from '../../src/util/package-root.js';

const keptTexts = async () =>
  JSON.parse(await readFile(join(packageRoot(), 'dist', 'cli', 'texts.json'), 'utf8')) as Record<
    string,
    string
  >;

void test('the kept texts cover every command and are what main() prints', async (t) => {
  const texts = await keptTexts();
  const { commandPaths } = await import('../../src/cli/main.js');
  for (const path of [[], ...commandPaths()])
    assert.ok(texts[[...path, '--help'].join('\0')] !== undefined, `${path.join(' ')} --help`);
  assert.equal(texts['--version'], (await cli(['--version'])).stdout);
  // main() lays help out for this process's stdout: 80 columns unless it is a terminal.
  if (process.stdout.isTTY) return t.skip('stdout is a terminal: help is laid out for its width');
  for (const [key, text] of Object.entries(texts)) {
    const own = await cli(key.split('\0'));
    assert.equal(own.code, 0, key);
    assert.equal(text, own.stdout, key.replace(/\0/g, ' '));
  }
});

void test('the entry answers from the kept texts, and leaves anything else to the CLI', async () => {
  const texts = await keptTexts();
  for (const argv of [['--help'], ['run', '--help'], ['sweep', 'show', '-h'], ['-V']]) {
    const entry = await runCli(argv);
    assert.equal(entry.code, 0, entry.stderr);
    assert.equal(entry.stdout, texts[argv.join('\0')]);
  }
  // Not kept: the CLI itself answers, as main() does.
  for (const argv of [['help', 'run'], ['run', '--no-such-flag', '--help'], ['--versio']]) {
    const [entry, own] = [await runCli(argv), await cli(argv)];
    assert.deepEqual([entry.code, entry.stdout, entry.stderr], [own.code, own.stdout, own.stderr]);
  }
  assert.equal((await runCli(['help', 'run'])).stdout, texts[['run', '--help'].join('\0')]);
});
