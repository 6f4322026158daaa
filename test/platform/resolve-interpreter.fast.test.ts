import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveInterpreter } from '../../src/platform/local/python.js';
import { tempDir } from '../helpers/temp.js';

/** A launcher in front of Python, as a pyenv shim is: it sets variables, then execs. */
async function launcher(dir: string): Promise<string> {
  const path = join(dir, 'python-shim');
  await writeFile(
    path,
    [
      '#!/bin/sh',
      'export LAUNCHED_BY=test-shim',
      'export SEEN_CWD="$(pwd)"',
      'exec /usr/bin/python3 "$@"',
      '',
    ].join('\n'),
  );
  await chmod(path, 0o755);
  return path;
}

void test('a launcher resolves to the interpreter it starts, with the variables it set', async (t) => {
  const dir = await tempDir(t);
  const shim = await launcher(dir);
  const resolved = await resolveInterpreter(shim, dir, { ...process.env, UNTOUCHED: 'same' });
  assert.ok(resolved !== undefined);
  assert.equal(resolved.executable, '/usr/bin/python3');
  assert.equal(resolved.env.LAUNCHED_BY, 'test-shim');
  // Asked in the folder given (version managers choose by folder).
  assert.equal(resolved.env.SEEN_CWD, dir);
  // Only what the launcher changed: not the variables it passed through, nor the shell's `_`.
  assert.equal(resolved.env.UNTOUCHED, undefined);
  assert.equal(resolved.env.PATH, undefined);
  assert.equal('_' in resolved.env, false);
});

void test('an interpreter run directly resolves to itself and changes nothing', async (t) => {
  const dir = await tempDir(t);
  const resolved = await resolveInterpreter('/usr/bin/python3', dir, {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LC_ALL: 'C.UTF-8',
  });
  assert.deepEqual(resolved, { executable: '/usr/bin/python3', env: {} });
});

void test('a command that does not run resolves to undefined', async (t) => {
  const dir = await tempDir(t);
  assert.equal(await resolveInterpreter(join(dir, 'no-such-python'), dir), undefined);
  const notPython = join(dir, 'not-python');
  await writeFile(notPython, '#!/bin/sh\necho hello\n');
  await chmod(notPython, 0o755);
  assert.equal(await resolveInterpreter(notPython, dir), undefined);
});
