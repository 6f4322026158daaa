import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveInterpreter } from '../../src/platform/local/python.js';
import { probeCacheFile } from '../../src/platform/local/probe-cache.js';
import { tempDir } from '../helpers/temp.js';

/** A launcher that notes each start in `count`, then starts the system Python. */
async function countingLauncher(
  dir: string,
): Promise<{ path: string; starts: () => Promise<number> }> {
  const path = join(dir, 'python-shim');
  const count = join(dir, 'count');
  await writeFile(path, `#!/bin/sh\necho x >> "${count}"\nexec /usr/bin/python3 "$@"\n`);
  await chmod(path, 0o755);
  const starts = async () =>
    (await readFile(count, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  return { path, starts };
}

void test('an interpreter is asked once; its answer is reused from the user cache', async (t) => {
  const dir = await tempDir(t);
  const env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
  const shim = await countingLauncher(dir);
  const first = await resolveInterpreter(shim.path, dir, env);
  const second = await resolveInterpreter(shim.path, dir, env);
  assert.equal(first?.executable, '/usr/bin/python3');
  assert.deepEqual(second, first);
  assert.equal(await shim.starts(), 1);
  const kept = JSON.parse(await readFile(probeCacheFile(env), 'utf8')) as { entries: unknown[] };
  assert.equal(kept.entries.length, 1);
});

void test('a new version file, a changed launcher or other variables ask again', async (t) => {
  const dir = await tempDir(t);
  const env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
  const shim = await countingLauncher(dir);
  await resolveInterpreter(shim.path, dir, env);
  assert.equal(await shim.starts(), 1);

  // A version manager's choice for the folder changed.
  await writeFile(join(dir, '.python-version'), '3.12\n');
  await resolveInterpreter(shim.path, dir, env);
  assert.equal(await shim.starts(), 2);

  // The launcher itself was replaced.
  const later = new Date(Date.now() + 5000);
  await utimes(shim.path, later, later);
  await resolveInterpreter(shim.path, dir, env);
  assert.equal(await shim.starts(), 3);

  // Another virtual environment steers the choice.
  await resolveInterpreter(shim.path, dir, { ...env, VIRTUAL_ENV: join(dir, 'venv') });
  assert.equal(await shim.starts(), 4);

  // And the first answers are still there for the first set-up.
  await resolveInterpreter(shim.path, dir, env);
  assert.equal(await shim.starts(), 4);
});

void test('an interpreter that did not answer is not remembered', async (t) => {
  const dir = await tempDir(t);
  const env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
  const broken = join(dir, 'python-broken');
  await writeFile(broken, '#!/bin/sh\necho not json\n');
  await chmod(broken, 0o755);
  assert.equal(await resolveInterpreter(broken, dir, env), undefined);
  await assert.rejects(readFile(probeCacheFile(env), 'utf8'), { code: 'ENOENT' });
});

void test('an unwritable cache folder costs only time', async (t) => {
  const dir = await tempDir(t);
  // A file where the cache folder would be: nothing can be written below it.
  await writeFile(join(dir, 'cache'), 'not a folder');
  const env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
  const shim = await countingLauncher(dir);
  assert.equal((await resolveInterpreter(shim.path, dir, env))?.executable, '/usr/bin/python3');
  assert.equal((await resolveInterpreter(shim.path, dir, env))?.executable, '/usr/bin/python3');
  assert.equal(await shim.starts(), 2);
});

void test('a relative XDG_CACHE_HOME is ignored: the cache stays in the home folder', () => {
  const home = '/home/someone';
  assert.equal(
    probeCacheFile({ XDG_CACHE_HOME: 'relative/cache', HOME: home }),
    join(home, '.cache', 'kaggle-run', 'interpreters.json'),
  );
  assert.equal(
    probeCacheFile({ XDG_CACHE_HOME: '/var/cache/me', HOME: home }),
    join('/var/cache/me', 'kaggle-run', 'interpreters.json'),
  );
});
