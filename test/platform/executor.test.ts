import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startExecution } from '../../src/platform/local/executor.js';
import { sandboxAvailable } from '../../src/platform/local/sandbox.js';
import { tempDir } from '../helpers/temp.js';
import { processGone, waitUntil } from '../harness/helpers.js';
import { logRecords } from '../../src/platform/log-records.js';
import { HARNESS_HEADER } from '../../src/harness/rendered.js';

const base = {
  kind: 'script' as const,
  inputs: [],
  accelerator: 'none' as const,
  timeoutSeconds: 30,
};

void test('runs a script with cwd = working, streams stdout and stderr as lines, keeps outputs', async (t) => {
  const dir = await tempDir(t);
  const execution = await startExecution({
    ...base,
    dir,
    sandbox: 'none',
    source: [
      'import os, sys',
      'print("one"); print("two")',
      'print("oops", file=sys.stderr)',
      'open("out.txt", "w").write(os.getcwd())',
    ].join('\n'),
  });
  const seen: string[] = [];
  for await (const entry of execution.follow()) {
    for (const line of logRecords(entry.data)) seen.push(`${entry.stream_name}:${line}`);
  }
  const result = await execution.done;
  assert.equal(result.status, 'complete');
  assert.equal(result.exitCode, 0);
  assert.deepEqual(
    seen.filter((s) => s.startsWith('stdout')),
    ['stdout:one\n', 'stdout:two\n'],
  );
  assert.deepEqual(
    seen.filter((s) => s.startsWith('stderr')),
    ['stderr:oops\n'],
  );
  assert.equal(await readFile(join(dir, 'working', 'out.txt'), 'utf8'), join(dir, 'working'));
});

void test('a failing script ends in error with its exit code', async (t) => {
  const execution = await startExecution({
    ...base,
    dir: await tempDir(t),
    sandbox: 'none',
    source: 'import sys; sys.exit(7)',
  });
  assert.deepEqual(
    { status: (await execution.done).status, code: (await execution.done).exitCode },
    { status: 'error', code: 7 },
  );
});

void test('timeout kills the whole process tree, children included', async (t) => {
  const dir = await tempDir(t);
  const execution = await startExecution({
    ...base,
    dir,
    sandbox: 'none',
    // Long enough for the program to start its child on a loaded machine.
    timeoutSeconds: 4,
    source: [
      'import subprocess, sys, time',
      'p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])',
      'open("child.pid", "w").write(str(p.pid))',
      'print("started", flush=True)',
      'time.sleep(60)',
    ].join('\n'),
  });
  const result = await execution.done;
  assert.equal(result.status, 'timeout');
  const pid = Number(await readFile(join(dir, 'working', 'child.pid'), 'utf8'));
  assert.ok(pid > 0);
  assert.equal(await waitUntil(() => processGone(pid)), true, `child ${pid} still runs`);
});

void test('kill() cancels a run', async (t) => {
  const execution = await startExecution({
    ...base,
    dir: await tempDir(t),
    sandbox: 'none',
    source: 'import time; time.sleep(60)',
  });
  execution.kill();
  assert.equal((await execution.done).status, 'cancelled');
});

void test('inputs are placed under input/ and accelerator none hides GPUs', async (t) => {
  const dir = await tempDir(t);
  const data = join(await tempDir(t), 'data.txt');
  await (await import('node:fs/promises')).writeFile(data, 'payload');
  const execution = await startExecution({
    ...base,
    dir,
    sandbox: 'none',
    inputs: [{ localPath: data, target: 'my-data/data.txt' }],
    source: [
      'import os',
      'print(open(os.path.join(os.environ["KAGGLE_RUN_INPUT_DIR"], "my-data", "data.txt")).read())',
      'print("cuda=" + repr(os.environ.get("CUDA_VISIBLE_DEVICES")))',
    ].join('\n'),
  });
  await execution.done;
  const text = (await execution.readLog()).map((e) => e.data).join('');
  assert.match(text, /payload/);
  assert.match(text, /cuda=''/);
});

void test('inside bubblewrap the run sees /kaggle/input and /kaggle/working', async (t) => {
  if (!(await sandboxAvailable())) return t.skip('bubblewrap is not available on this machine');
  const dir = await tempDir(t);
  const execution = await startExecution({
    ...base,
    dir,
    sandbox: 'bwrap',
    source: [
      'import os',
      'print(os.getcwd())',
      'open("/kaggle/working/hard-coded.txt", "w").write("ok")',
      'print(sorted(os.listdir("/kaggle")))',
    ].join('\n'),
  });
  const result = await execution.done;
  assert.equal(result.status, 'complete', (await execution.readLog()).map((e) => e.data).join(''));
  assert.ok(execution.sandboxed);
  const text = (await execution.readLog()).map((e) => e.data).join('');
  assert.match(text, /^\/kaggle\/working$/m);
  assert.match(text, /'input'.*'working'/);
  assert.equal(await readFile(join(dir, 'working', 'hard-coded.txt'), 'utf8'), 'ok');
});

void test('follow() replays from the start for a late reader', async (t) => {
  const execution = await startExecution({
    ...base,
    dir: await tempDir(t),
    sandbox: 'none',
    source: 'print("a"); print("b")',
  });
  await execution.done;
  const replay: string[] = [];
  for await (const e of execution.follow()) replay.push(...logRecords(e.data));
  assert.deepEqual(replay, ['a\n', 'b\n']);
});

void test('the program never sees Kaggle API credentials from the environment', async (t) => {
  const saved = { key: process.env.KAGGLE_KEY, token: process.env.KAGGLE_API_TOKEN };
  process.env.KAGGLE_KEY = 'do-not-leak';
  process.env.KAGGLE_API_TOKEN = 'do-not-leak-either';
  t.after(() => {
    if (saved.key === undefined) delete process.env.KAGGLE_KEY;
    else process.env.KAGGLE_KEY = saved.key;
    if (saved.token === undefined) delete process.env.KAGGLE_API_TOKEN;
    else process.env.KAGGLE_API_TOKEN = saved.token;
  });
  const execution = await startExecution({
    ...base,
    dir: await tempDir(t),
    sandbox: 'none',
    source:
      'import os; print([k for k in os.environ if k.startswith("KAGGLE_") and "RUN" not in k])',
  });
  await execution.done;
  assert.equal((await execution.readLog()).map((e) => e.data).join(''), '[]\n');
});

void test('a harness that allows it starts without site; an older one and any script with it', async (t) => {
  const settings = Buffer.from(JSON.stringify({ kind: 'script' })).toString('base64');
  const header = `${HARNESS_HEADER}0.0.0, generated; do not edit\nKAGGLE_RUN_SETTINGS_B64 = '${settings}'\n`;
  const probe = 'import sys\nprint("no_site=%d" % sys.flags.no_site)\n';
  const cases = [
    { source: `${header}\nKAGGLE_RUN_HARNESS_WITHOUT_SITE = True\n${probe}`, noSite: 1 },
    { source: `${header}${probe}`, noSite: 0 }, // rendered before the harness added site itself
    { source: `\nKAGGLE_RUN_HARNESS_WITHOUT_SITE = True\n${probe}`, noSite: 0 }, // no harness
  ];
  for (const { source, noSite } of cases) {
    const execution = await startExecution({ ...base, dir: await tempDir(t), source });
    let out = '';
    for await (const entry of execution.follow()) out += entry.data;
    assert.equal((await execution.done).status, 'complete', out);
    assert.match(out, new RegExp(`no_site=${noSite}`), source.slice(0, 60));
  }
});
