// Whether bubblewrap works here is asked once and kept in the user's cache: each new
// process reuses the answer until the binary on PATH changes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/util/package-root.js';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);
const sandboxModule = pathToFileURL(
  join(packageRoot(), 'dist', 'src', 'platform', 'local', 'sandbox.js'),
).href;

/** sandboxAvailable(env, internet) in a new node process, as each CLI run asks it. */
async function askInNewProcess(env: NodeJS.ProcessEnv, internet: boolean): Promise<boolean> {
  const script = `const { sandboxAvailable } = await import(${JSON.stringify(sandboxModule)});
process.stdout.write(String(await sandboxAvailable(process.env, ${internet})));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env });
  return JSON.parse(stdout) as boolean;
}

/** A `bwrap` on PATH that notes each start and answers with `code`. */
async function fakeBwrap(dir: string, code: number): Promise<void> {
  const path = join(dir, 'bwrap');
  await writeFile(path, `#!/bin/sh\necho "$*" >> "${join(dir, 'starts')}"\nexit ${code}\n`);
  await chmod(path, 0o755);
}

void test('the sandbox check runs once per bubblewrap binary, not once per process', async (t) => {
  const dir = await tempDir(t);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    XDG_CACHE_HOME: join(dir, 'cache'),
  };
  delete env.KAGGLE_RUN_NO_SANDBOX;
  const starts = async () =>
    (await readFile(join(dir, 'starts'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  await fakeBwrap(dir, 0);
  assert.equal(await askInNewProcess(env, true), true);
  assert.equal(await askInNewProcess(env, true), true);
  assert.equal((await starts()).length, 1);
  // Without internet it is a different sandbox (a network namespace): asked on its own.
  assert.equal(await askInNewProcess(env, false), true);
  assert.equal((await starts()).length, 2);
  assert.match((await starts())[1]!, /--unshare-net/);
  // Another binary (reinstalled, upgraded, now refusing): asked again, and a no is kept too.
  await fakeBwrap(dir, 1);
  assert.equal(await askInNewProcess(env, true), false);
  assert.equal(await askInNewProcess(env, true), false);
  assert.equal((await starts()).length, 3);
});
