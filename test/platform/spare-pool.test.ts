import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  adoptExecution,
  startExecution,
  type Execution,
  type ExecutionOptions,
} from '../../src/platform/local/executor.js';
import { SparePool } from '../../src/platform/local/spare-pool.js';
import { tempDir } from '../helpers/temp.js';
import { waitUntil } from '../helpers/wait.js';
import { logLines, streamLines } from '../helpers/log-lines.js';

const PYTHON = '/usr/bin/python3';

const base = {
  kind: 'script' as const,
  inputs: [],
  accelerator: 't4x2' as const,
  timeoutSeconds: 30,
  sandbox: 'none' as const,
  python: PYTHON,
  persistent: true,
};

/** True in a kernel started on a spare: the boot function's frame sits under the script. */
const WARM = 'print("warm", sys._getframe().f_back is not None)';

function pool(t: TestContext, options: { idleSeconds?: number } = {}): SparePool {
  const spares = new SparePool({ tag: 'kaggle-run-spare:test', ...options });
  t.after(() => spares.close());
  return spares;
}

/** True once `pid` ended (a zombie has ended too: it only waits to be reaped). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Starts a first session (cold) that fills `spares`, and waits until one is ready. */
async function warmUp(t: TestContext, spares: SparePool, extra: Partial<ExecutionOptions> = {}) {
  const first = await startExecution({
    ...base,
    ...extra,
    dir: await tempDir(t),
    source: 'import sys\n' + WARM,
    spares,
  });
  await first.done;
  assert.deepEqual(logLines(await first.readLog()), ['warm False\n']);
  await waitUntil('a ready spare', () => spares.readyCount(PYTHON) > 0);
}

async function transcript(execution: Execution, dir: string): Promise<string> {
  const result = await execution.done;
  const lines = streamLines(await execution.readLog()).join('');
  return `${result.status} ${result.exitCode}\n${lines.split(dir).join('<dir>')}`;
}

const PROBE = [
  'import os, sys',
  WARM,
  'print(sys.argv, sys.orig_argv[1:], sys.path, os.getcwd(), __file__, __name__)',
  'print(sorted(os.environ.items()))',
  'print(sorted(k for k in globals() if k.startswith("__")), type(__loader__).__name__)',
  'print(repr(sys.stdin.read()), sys.stdout.write_through, sys.stdin.isatty(), __spec__, __package__, __doc__)',
  'import kaggle_like_secret',
  'print(kaggle_like_secret.VALUE)',
  'sys.stderr.write("to stderr\\n")',
  'sys.exit(3)',
].join('\n');

void test('a session started on a spare sees what a cold start sees: env, cwd, argv, sys.path, output, exit code', async (t) => {
  const spares = pool(t);
  const run = async (withPool: boolean, source: string) => {
    const dir = await tempDir(t);
    // A folder put in front of PYTHONPATH for this session only, as the server's secrets are.
    const front = join(dir, 'front');
    await mkdir(front);
    await writeFile(join(front, 'kaggle_like_secret.py'), 'VALUE = "from front"\n');
    const execution = await startExecution({
      ...base,
      dir,
      source,
      env: { PYTHONPATH: `${front}:/opt/not-there`, SOME_SETTING: 'same' },
      ...(withPool ? { spares } : {}),
    });
    return transcript(execution, dir);
  };
  await warmUp(t, spares, {
    env: { PYTHONPATH: '/tmp/other-front:/opt/not-there', SOME_SETTING: 'same' },
  });
  const cold = await run(false, PROBE);
  const warm = await run(true, PROBE);
  assert.match(cold, /stdout: warm False\n/);
  assert.match(warm, /stdout: warm True\n/);
  assert.equal(warm.replace('warm True', 'warm False'), cold);
  assert.match(warm, /^error 3\n/);
  assert.match(warm, /stdout: from front\n/);
  assert.match(warm, /stderr: to stderr\n/);

  // An error is reported as a cold start reports it: no frame of the boot code.
  await waitUntil('a ready spare', () => spares.readyCount(PYTHON) > 0);
  const failing = 'import sys\n\ndef f():\n    raise ValueError("boom")\n\nf()\n';
  const coldError = await run(false, failing);
  const warmError = await run(true, failing);
  assert.match(coldError, /^error 1\n/);
  assert.match(coldError, /ValueError: boom/);
  assert.equal(warmError, coldError);
});

void test('a spare whose start-up variables differ from the session runs the cold command in place', async (t) => {
  const spares = pool(t);
  await warmUp(t, spares, { env: { SOME_SETTING: 'one' } });
  const dir = await tempDir(t);
  const execution = await startExecution({
    ...base,
    dir,
    source: `import os, sys\n${WARM}\nprint(os.environ["SOME_SETTING"], os.getcwd() == os.environ["KAGGLE_RUN_WORKING_DIR"])`,
    env: { SOME_SETTING: 'two' },
    spares,
  });
  assert.equal((await execution.done).status, 'complete');
  assert.deepEqual(logLines(await execution.readLog()), ['warm False\n', 'two True\n']);
  // It did run on the spare: the wrapper record carries the spare's tag.
  const record = JSON.parse(await readFile(join(dir, 'session', 'wrapper.json'), 'utf8')) as {
    tag?: string;
  };
  assert.match(record.tag ?? '', /^kaggle-run-spare:test:/);
});

void test('cancelling a warm session kills its whole process group', async (t) => {
  const spares = pool(t);
  await warmUp(t, spares);
  const execution = await startExecution({
    ...base,
    dir: await tempDir(t),
    source: [
      'import subprocess, sys, time',
      WARM,
      'child = subprocess.Popen(["sleep", "60"])',
      'print("child", child.pid)',
      'time.sleep(60)',
    ].join('\n'),
    spares,
  });
  let child: number | undefined;
  for await (const entry of execution.follow()) {
    const match = /^child (\d+)/m.exec(entry.data);
    if (match?.[1] !== undefined) {
      child = Number(match[1]);
      break;
    }
  }
  assert.deepEqual(logLines(await execution.readLog())[0], 'warm True\n');
  assert.ok(child !== undefined);
  execution.kill();
  assert.equal((await execution.done).status, 'cancelled');
  const pid = child;
  await waitUntil('the background child to die', () => gone(pid));
});

void test('a warm session left running is adopted from its folder and followed to its end', async (t) => {
  const spares = pool(t);
  await warmUp(t, spares);
  const dir = await tempDir(t);
  const source = [
    'import os, sys, time',
    WARM,
    "while not os.path.exists('go'):",
    '    time.sleep(0.02)',
    'print("after")',
    'sys.exit(4)',
  ].join('\n');
  const first = await startExecution({ ...base, dir, source, spares });
  for await (const entry of first.follow()) if (/^warm/m.test(entry.data)) break;
  first.detach?.();
  const adopted = await adoptExecution({
    dir,
    startedAt: new Date().toISOString(),
    timeoutSeconds: 30,
  });
  assert.ok(adopted !== undefined);
  await writeFile(join(dir, 'working', 'go'), '');
  const result = await adopted.done;
  assert.deepEqual({ status: result.status, code: result.exitCode }, { status: 'error', code: 4 });
  assert.deepEqual(logLines(await adopted.readLog()), ['warm True\n', 'after\n']);
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'session', 'exit.json'), 'utf8')), {
    code: 4,
    signal: null,
  });
});

void test('unused spares end when the pool closes, and after their idle limit', async (t) => {
  const spares = pool(t);
  spares.fill(PYTHON, process.env);
  await waitUntil('two ready spares', () => spares.readyCount(PYTHON) === 2);
  const pids = spares.pids();
  assert.equal(pids.length, 2);
  await spares.close();
  for (const pid of pids) await waitUntil(`spare ${pid} to end`, () => gone(pid));
  spares.fill(PYTHON, process.env);
  assert.deepEqual(spares.pids(), [], 'a closed pool starts no spares');

  const idle = pool(t, { idleSeconds: 1 });
  idle.fill(PYTHON, process.env);
  await waitUntil('two idle spares', () => idle.readyCount(PYTHON) === 2);
  const idlePids = idle.pids();
  assert.equal(idlePids.length, 2);
  for (const pid of idlePids) await waitUntil(`idle spare ${pid} to end`, () => gone(pid));
  // The pool hears of each exit a moment after the process is gone.
  await waitUntil('the pool to drop the ended spares', () => idle.pids().length === 0);
});
