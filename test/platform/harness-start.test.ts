// How a local run's harness starts (through the real CLI entry, each run a process of its
// own): it keeps the modules it compiled in the user's cache and takes them on the next
// run, replaces a kept file it cannot use, and starts a plain script's interpreter while it
// loads itself, which then runs the program as a cold start would.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { findPython } from '../../src/platform/local/python.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const PROBE = `import os, sys
frame, warm = sys._getframe(), False
while frame is not None:
    warm = warm or frame.f_code.co_name == '_kaggle_run_boot'
    frame = frame.f_back
print('start:', 'warm' if warm else 'cold')
print('named:', sorted(n for n in os.environ if n in ('KAGGLE_RUN_HARNESS_CODE', 'KAGGLE_RUN_PROGRAM_BOOT')))
links = []
for fd in os.listdir('/proc/self/fd'):
    try:
        links.append(os.readlink('/proc/self/fd/' + fd))
    except OSError:
        pass
print('cache files open:', [l for l in links if 'harness-code' in l])
print('argv:', sys.argv[1:], 'main:', __name__, os.path.basename(__file__))
sys.exit(3)
`;

async function project(t: TestContext): Promise<{ dir: string; cache: string }> {
  const root = await tempDir(t);
  const dir = join(root, 'project');
  await mkdir(dir);
  await writeFile(join(dir, 'probe.py'), PROBE);
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: probe\nentry: probe.py\nargs: ["--seed", "${seed}"]\nparams: {seed: 7}\n',
  );
  return { dir, cache: join(root, 'cache') };
}

/** A run of the probe, which ends with exit code 3 (the CLI's own code for it is 1). */
async function run(dir: string, cache: string) {
  const result = await runCli(['run', dir], { cwd: dir, env: { XDG_CACHE_HOME: cache } });
  const out = result.stdout + result.stderr;
  assert.match(out, /the program exited with code 3/, out);
  assert.equal(result.code, 1, out);
  return out;
}

async function keptFiles(cache: string): Promise<string[]> {
  return readdir(join(cache, 'kaggle-run', 'harness-code')).catch(() => []);
}

async function magicNumber(): Promise<Buffer> {
  const python = (await findPython({ explicit: undefined, needNotebook: false })).command;
  const hex = execFileSync(
    python,
    ['-c', 'import importlib.util; print(importlib.util.MAGIC_NUMBER.hex())'],
    {
      encoding: 'utf8',
    },
  );
  return Buffer.from(hex.trim(), 'hex');
}

void test("a plain script's interpreter, started while the harness loads, runs the program as a cold start would", async (t) => {
  const { dir, cache } = await project(t);
  const out = await run(dir, cache);
  assert.match(out, /start: warm/);
  assert.match(out, /named: \[\]/);
  assert.match(out, /cache files open: \[\]/);
  assert.match(out, /argv: \['--seed', '7'\] main: __main__ probe\.py/);
});

void test("the harness's compiled modules are kept for the next run, which takes them", async (t) => {
  const { dir, cache } = await project(t);
  await run(dir, cache);
  const files = await keptFiles(cache);
  assert.equal(files.length, 1, files.join(', '));
  assert.match(files[0]!, /\.marshal$/);
  const file = join(cache, 'kaggle-run', 'harness-code', files[0]!);
  const magic = await magicNumber();
  assert.deepEqual((await readFile(file)).subarray(0, magic.length), magic);

  // The kept code of one module is changed (its text left as it is): a run that takes the
  // file runs the changed code, and, having compiled nothing, leaves the file as it was.
  const python = (await findPython({ explicit: undefined, needNotebook: false })).command;
  execFileSync(python, [
    '-c',
    `import marshal, sys
path = sys.argv[1]
data = open(path, 'rb').read()
import importlib.util
m = importlib.util.MAGIC_NUMBER
table = marshal.loads(data[len(m):])
name = 'kaggle_run_harness/params.py'
text = table[name][0]
table[name] = (text, compile(text + "\\nprint('taken from the kept file')\\n", name, 'exec'))
open(path, 'wb').write(m + marshal.dumps(table))`,
    file,
  ]);
  const changed = await readFile(file);
  assert.match(await run(dir, cache), /taken from the kept file/);
  assert.deepEqual(await keptFiles(cache), files, 'no new file, no temporary file left');
  assert.deepEqual(await readFile(file), changed);
});

void test('a kept file the harness cannot use is replaced by one it compiled', async (t) => {
  const { dir, cache } = await project(t);
  await run(dir, cache);
  const [name] = await keptFiles(cache);
  const file = join(cache, 'kaggle-run', 'harness-code', name!);
  await writeFile(file, 'not marshal data');
  assert.match(await run(dir, cache), /start: warm/);
  assert.deepEqual(await keptFiles(cache), [name]);
  const magic = await magicNumber();
  assert.deepEqual((await readFile(file)).subarray(0, magic.length), magic);
});
