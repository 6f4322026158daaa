// The entry loads the bundled CLI with V8's code cache (bin/load-cli.js): the first start of
// a command keeps what V8 compiled, the next takes it; a cache that does not fit the bundle is
// never taken for it, and a broken one only costs a compile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { packageRoot } from '../../src/util/package-root.js';

const run = promisify(execFile);
const loader = join(packageRoot(), 'bin', 'load-cli.js');

/**
 * Loads `file` as the entry would, in a process of its own (V8 also keeps compiled scripts in
 * memory, so a second load in one process would say nothing of the cache on disk).
 */
async function load(
  file: string,
  command: string,
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<{ value: unknown; fromCache: boolean; cacheFile: string }> {
  const script = `const cli = require(${JSON.stringify(loader)}).loadCli(${JSON.stringify(file)}, ${JSON.stringify(command)});
cli.save();
process.stdout.write(JSON.stringify({ value: cli.exports.value, fromCache: cli.fromCache, cacheFile: cli.cacheFile }));`;
  const { stdout } = await run(process.execPath, ['-e', script], {
    ...(cwd === undefined ? {} : { cwd }),
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout) as { value: unknown; fromCache: boolean; cacheFile: string };
}

/** A bundle of its own in `dir`, exporting `value`: each load runs it afresh. */
async function bundle(dir: string, name: string, value: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `'use strict';\nmodule.exports.value = ${JSON.stringify(value)};\n`);
  return file;
}

void test('the first load keeps the cache, the next takes it', async (t) => {
  const dir = await tempDir(t);
  const env = { XDG_CACHE_HOME: join(dir, 'cache') };
  const file = await bundle(dir, 'a.cjs', 'one');
  const first = await load(file, 'run', env);
  assert.equal(first.value, 'one');
  assert.equal(first.fromCache, false);
  assert.ok(existsSync(first.cacheFile));
  assert.ok(first.cacheFile.startsWith(join(dir, 'cache', 'kaggle-run', 'code-cache')));
  const second = await load(file, 'run', env);
  assert.equal(second.fromCache, true);
  assert.equal(second.value, 'one');
  // Each command keeps its own: what `runs` compiles is not what `run` does.
  assert.equal((await load(file, 'runs', env)).fromCache, false);
});

void test('a changed bundle of the same length never takes the old cache', async (t) => {
  const dir = await tempDir(t);
  const env = { XDG_CACHE_HOME: join(dir, 'cache') };
  const file = await bundle(dir, 'a.cjs', 'one');
  const old = await load(file, 'run', env);
  await bundle(dir, 'a.cjs', 'two'); // same length: V8 alone would take the old cache
  const changed = await load(file, 'run', env);
  assert.equal(changed.fromCache, false);
  assert.equal(changed.value, 'two');
  assert.notEqual(changed.cacheFile, old.cacheFile);
  assert.equal((await load(file, 'run', env)).fromCache, true);
});

void test('caches unused for two weeks go when another is saved; used ones stay', async (t) => {
  const dir = await tempDir(t);
  const env = { XDG_CACHE_HOME: join(dir, 'cache') };
  const folder = join(dir, 'cache', 'kaggle-run', 'code-cache');
  const first = await load(await bundle(dir, 'a.cjs', 'one'), 'run', env);
  const stale = await load(await bundle(dir, 'b.cjs', 'two'), 'run', env);
  const longAgo = new Date(Date.now() - 15 * 24 * 60 * 60 * 1000);
  await utimes(stale.cacheFile, longAgo, longAgo);
  await utimes(first.cacheFile, longAgo, longAgo);
  // A start that takes a cache marks it used, so it does not age out.
  assert.equal((await load(join(dir, 'a.cjs'), 'run', env)).fromCache, true);
  await load(await bundle(dir, 'c.cjs', 'three'), 'run', env);
  const kept = await readdir(folder);
  assert.ok(kept.includes(first.cacheFile.split('/').at(-1)!), kept.join(' '));
  assert.ok(!kept.includes(stale.cacheFile.split('/').at(-1)!), kept.join(' '));
  assert.equal(kept.length, 2);
});

void test('a blank or relative XDG_CACHE_HOME is not used as a folder', async (t) => {
  const dir = await tempDir(t);
  const home = join(dir, 'home');
  const file = await bundle(dir, 'a.cjs', 'one');
  for (const xdg of ['', '   ', 'relative/cache']) {
    const loaded = await load(file, 'run', { XDG_CACHE_HOME: xdg, HOME: home }, dir);
    assert.ok(loaded.cacheFile.startsWith(join(home, '.cache', 'kaggle-run')), loaded.cacheFile);
  }
  assert.deepEqual(await readdir(dir), ['a.cjs', 'home']); // nothing in the folder it ran in
});

void test('a broken cache is compiled past and written again', async (t) => {
  const dir = await tempDir(t);
  const env = { XDG_CACHE_HOME: join(dir, 'cache') };
  const file = await bundle(dir, 'a.cjs', 'one');
  const first = await load(file, 'run', env);
  await writeFile(first.cacheFile, 'not a code cache');
  const broken = await load(file, 'run', env);
  assert.equal(broken.fromCache, false);
  assert.equal(broken.value, 'one');
  assert.notEqual(await readFile(first.cacheFile, 'utf8'), 'not a code cache');
  assert.equal((await load(file, 'run', env)).fromCache, true);
});

void test('a cache folder that cannot be written costs nothing but speed', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'cache'), 'a file where the folder would be');
  const env = { XDG_CACHE_HOME: join(dir, 'cache') };
  const loaded = await load(await bundle(dir, 'a.cjs', 'one'), 'run', env);
  assert.equal(loaded.value, 'one');
  assert.equal((await load(join(dir, 'a.cjs'), 'run', env)).fromCache, false);
});

void test('the real entry keeps a cache per command and answers the same from it', async (t) => {
  const dir = await tempDir(t);
  const env = { XDG_CACHE_HOME: join(dir, 'cache') };
  const first = await runCli(['runs', '--json'], { cwd: dir, env });
  assert.equal(first.code, 0, first.stderr);
  const kept = await readdir(join(dir, 'cache', 'kaggle-run', 'code-cache'));
  assert.equal(kept.length, 1);
  assert.match(kept[0]!, /^cli-[0-9a-f]{16}-v\d+\.\d+\.\d+-[a-z0-9]+-runs\.bin$/);
  const second = await runCli(['runs', '--json'], { cwd: dir, env });
  assert.deepEqual(
    [second.code, second.stdout, second.stderr],
    [first.code, first.stdout, first.stderr],
  );
});
