// A harness's program on a server's spare (spare-wrapper.ts, PROGRAM_BOOT_SOURCE): the spare
// kernel starts the program's interpreter while it waits, and the harness hands the program
// to it. The program must see what a cold `python -u entry` sees, down to its loaded modules,
// and start cold where anything it could read at start-up differs.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderHarness, type HarnessSettings } from '../../src/harness/render.js';
import { sandboxAvailable } from '../../src/platform/local/sandbox.js';
import { baseSettings, makeZip } from '../harness/helpers.js';
import { waitUntil } from '../helpers/wait.js';
import { ME, kernelStream, push, scriptPush, startTestServer, waitForEnd } from './helpers.js';

/** Prints what a program can tell about its own start as one FACTS line, then fails. */
const PROGRAM = [
  'import os, sys',
  'loaded = sorted(sys.modules)',
  'import json',
  'facts = {',
  '    "warm": sys._getframe().f_back is not None,',
  '    "loaded": loaded,',
  '    "argv": sys.argv, "orig": sys.orig_argv[1:], "file": __file__, "path0": sys.path[0],',
  '    "cwd": os.getcwd(), "name": __name__, "spec": __spec__, "cached": __cached__,',
  '    "loader": type(__loader__).__name__, "stdin": sys.stdin.read(),',
  '    "leads": os.getsid(0) == os.getpid(), "params": json.loads(os.environ["KAGGLE_RUN_PARAMS"]),',
  '    "cuda": os.environ.get("CUDA_VISIBLE_DEVICES"), "unbuffered": sys.stdout.write_through,',
  '    "secret": "HF_TOKEN" in os.environ, "stdinTakesWrites": os.write(0, b"x") == 1,',
  '}',
  'print("FACTS " + json.dumps(facts), flush=True)',
  'if facts["params"]["fail"] == "interrupt":',
  '    raise KeyboardInterrupt',
  'raise ValueError("failed on purpose")',
].join('\n');

/** How the program ends: an exception, or Ctrl-C as Python reports it (killed by SIGINT). */
type Failure = 'value' | 'interrupt';

const MANIFEST = 'kaggle-run-manifest.json';

interface Facts {
  warm: boolean;
  [key: string]: unknown;
}

function settingsFor(
  accelerator: 'gpu' | 'none',
  secrets: string[],
  fail: Failure,
): HarnessSettings {
  return baseSettings({
    args: ['--lr', '${lr}'],
    params: { lr: 0.5, fail },
    secrets,
    ...(accelerator === 'gpu' ? { accelerator: 't4x2', acceleratorKind: 'gpu' } : {}),
  });
}

interface ProgramRun {
  facts: Facts;
  traceback: string;
  /** The session's end as the server reports it. */
  end: unknown;
  warmKernel: boolean;
}

/** Runs the program in a harness kernel; its facts (working folder as <w>), stderr, manifest. */
async function runProgram(
  server: { url: string; dataDir: string },
  slug: string,
  accelerator: 'gpu' | 'none',
  secrets: string[] = [],
  fail: Failure = 'value',
): Promise<ProgramRun> {
  const zip = await makeZip({ 'train.py': PROGRAM });
  const source = renderHarness(settingsFor(accelerator, secrets, fail), zip);
  await push(server, scriptPush(slug, source, { enableGpu: accelerator === 'gpu' }));
  const end = await waitForEnd(server, slug);
  const working = join(server.dataDir, 'kernels', 'me', slug, '1', 'working');
  const stdout = await kernelStream(server, slug, 'stdout');
  const line = stdout.split('\n').find((l) => l.startsWith('FACTS '));
  assert.ok(line !== undefined, `no FACTS line from ${slug}: ${stdout}`);
  // The working folder as <w>: the session's own, or /kaggle/working inside a sandbox.
  const named = (text: string) =>
    text.replaceAll(working, '<w>').replaceAll('/kaggle/working', '<w>');
  const facts = JSON.parse(named(line.slice('FACTS '.length))) as Facts;
  const stderr = await kernelStream(server, slug, 'stderr');
  const traceback = named(stderr.slice(stderr.indexOf('Traceback')));
  const manifest = JSON.parse(readFileSync(join(working, MANIFEST), 'utf8')) as {
    stepSeconds: Record<string, number>;
  };
  // A kernel on a spare has no `python` step: it was started before its session.
  return { facts, traceback, end, warmKernel: !('python' in manifest.stepSeconds) };
}

/** Runs on spares until a run's program starts on the interpreter started ahead. */
async function warmRun(
  server: { url: string; dataDir: string },
  name: string,
  fail: Failure,
): Promise<ProgramRun> {
  const tag = `kaggle-run-spare:${server.dataDir}`;
  for (let i = 0; i < 10; i++) {
    await waitUntil('a spare', () => spareKernels(tag) > 0);
    const run = await runProgram(server, `${name}-${i}`, 'gpu', [], fail);
    if (run.facts.warm) return run;
  }
  assert.fail('no program started on an interpreter started ahead');
}

/** Runs the program cold, then on spares until one runs it warm; checks they look alike. */
async function coldThenWarm(server: { url: string; dataDir: string }): Promise<void> {
  const cold = await runProgram(server, 'cold-start', 'gpu');
  assert.deepEqual(cold.end, { status: 'ERROR', failureMessage: 'The kernel exited with code 1.' });
  assert.equal(cold.facts.warm, false);
  assert.equal(cold.warmKernel, false);
  assert.deepEqual(cold.facts.argv, ['train.py', '--lr', '0.5']);
  assert.equal(cold.facts.file, '<w>/train.py');
  assert.equal(cold.facts.stdin, '');
  assert.equal(cold.facts.stdinTakesWrites, true);
  assert.equal(cold.facts.leads, true);
  const raiseLine = PROGRAM.split('\n').length;
  assert.match(
    cold.traceback,
    new RegExp(`^Traceback[^]*File "<w>/train\\.py", line ${raiseLine}, in <module>\n`),
  );
  assert.match(cold.traceback, /ValueError: failed on purpose\n$/);

  const warm = await warmRun(server, 'warm-start', 'value');
  assert.equal(warm.warmKernel, true);
  // Everything else as the cold start: argv, __file__, sys.path[0], loaded modules, stdin at
  // its end (and open for writing, as /dev/null is), its own session, the traceback without
  // the hand-over's frames, the exit.
  assert.deepEqual({ ...warm.facts, warm: false }, cold.facts);
  assert.equal(warm.traceback, cold.traceback);
  assert.deepEqual(warm.end, cold.end);
}

void test('a harness program on a spare runs on an interpreter started ahead, as a cold one would', async (t) => {
  await coldThenWarm(await startTestServer(t));
});

void test('in bubblewrap too, a harness program runs on an interpreter started ahead in the sandbox', async (t) => {
  if (!(await sandboxAvailable(process.env, true))) {
    t.skip('bubblewrap cannot make a sandbox here');
    return;
  }
  await coldThenWarm(await startTestServer(t, { sandbox: 'bwrap', accounts: [ME] }));
});

void test('a KeyboardInterrupt on an interpreter started ahead ends as a cold one: same report, same exit', async (t) => {
  const server = await startTestServer(t);
  const cold = await runProgram(server, 'cold-interrupt', 'gpu', [], 'interrupt');
  assert.equal(cold.facts.warm, false);
  assert.match(
    cold.traceback,
    /\nKeyboardInterrupt\n\[kaggle-run\] the program was killed by SIGINT\n$/,
  );
  const warm = await warmRun(server, 'warm-interrupt', 'interrupt');
  assert.equal(warm.traceback, cold.traceback);
  assert.deepEqual(warm.end, cold.end);
});

void test('a program whose environment differs from the waiting one (a secret) starts cold on a spare', async (t) => {
  const server = await startTestServer(t, { accounts: [{ ...ME, secrets: { HF_TOKEN: 'tok' } }] });
  const tag = `kaggle-run-spare:${server.dataDir}`;
  const cold = await runProgram(server, 'cold-start', 'none', ['HF_TOKEN']);
  assert.equal(cold.facts.secret, true);
  let onSpare: typeof cold | undefined;
  for (let i = 0; i < 10 && onSpare === undefined; i++) {
    await waitUntil('a spare', () => spareKernels(tag) > 0);
    const run = await runProgram(server, `secret-run-${i}`, 'none', ['HF_TOKEN']);
    if (run.warmKernel) onSpare = run;
  }
  assert.ok(onSpare !== undefined, 'no session started on a spare');
  assert.deepEqual(onSpare.end, cold.end);
  // The waiting interpreter had no HF_TOKEN, which a start-up could read: it exec()ed the
  // cold command in place, which sees all a cold start sees.
  assert.deepEqual(onSpare.facts, cold.facts);
  assert.equal(onSpare.traceback, cold.traceback);
});

/** Spare wrappers of the server whose kernels are up (a spare kernel is a wrapper's child). */
function spareKernels(tag: string): number {
  let count = 0;
  for (const pid of processes((cmdline) => cmdline.includes(tag))) {
    count += processes((_, ppid) => ppid === pid).length;
  }
  return count;
}

function processes(match: (cmdline: string, ppid: number) => boolean): number[] {
  const found: number[] = [];
  for (const name of readdirSafe('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && match(cmdline, Number(fields[1]))) found.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
