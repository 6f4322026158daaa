// Chaos: the real CLI is SIGKILLed at seeded points of a Kaggle run (before the push, while
// watching, while fetching), then `kaggle-run attach last` picks the run up. No output may be
// lost and no run may be pushed twice.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import type { ServerHandle } from '../../src/server/server.js';
import { packageRoot } from '../../src/util/package-root.js';
import { runCli } from '../helpers/cli.js';
import { kaggleEnv, startTestServer, tempDir } from '../server/helpers.js';
import { onlyRunRecord, seeded, verifyOutputs, within, writeChaosProject } from './helpers.js';

const BIN = join(packageRoot(), 'bin', 'kaggle-run.js');
const ITERATION_LIMIT_MS = 60_000;
const STEPS = [
  'created',
  'packed',
  'installing',
  'pushing',
  'pushed',
  'watching',
  'fetching',
  'done',
] as const;

/**
 * When to kill: a time after the start, once the run record reaches a step (plus a delay),
 * or the moment the server has counted the kernel's push.
 */
type KillPoint =
  { afterMs: number } | { step: (typeof STEPS)[number]; extraMs: number } | { pushLanded: true };

/** Step-based points, so each phase is hit whatever the machine's speed. */
function killPoints(seed: number): KillPoint[] {
  const random = seeded(seed);
  const ms = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo));
  return [
    { afterMs: ms(100, 250) }, // before the record exists (node is still starting)
    { step: 'packed', extraMs: 0 }, // recorded, not pushed
    { step: 'pushed', extraMs: ms(0, 300) },
    { step: 'watching', extraMs: ms(200, 1200) },
    { step: 'fetching', extraMs: 0 },
  ];
}

interface Scene {
  server: ServerHandle;
  env: NodeJS.ProcessEnv;
  root: string;
}

async function scene(t: TestContext): Promise<Scene> {
  return { server: await startTestServer(t), env: await kaggleEnv(t), root: await tempDir(t) };
}

/** One run killed at `point`, then recovered with attach (or run again); a line on it. */
async function killAndRecover(
  { server, env, root }: Scene,
  name: string,
  seed: number,
  point: KillPoint,
): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  // The kernel sleeps 1.5 s so there is a watching phase to kill.
  await writeChaosProject(dir, name, seed, 1.5);
  const kernel = `me/kaggle-run-${name}`;

  const child = spawn(process.execPath, [BIN, 'run', dir, '--kaggle', '--endpoint', server.url], {
    env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const started = Date.now();
  await within(
    ITERATION_LIMIT_MS,
    `${name}: the kill point`,
    waitForKillPoint(dir, point, exited, () => (server.stats().pushes[kernel] ?? 0) > 0),
  );
  child.kill('SIGKILL');
  const code = await within(10_000, `${name}: the killed process`, exited);
  const killedAfterMs = Date.now() - started;

  const before = await onlyRunRecord(dir);
  const pushedBefore = server.stats().pushes[kernel] ?? 0;
  const at = before === undefined ? 'no record' : `step ${before.step}`;
  let record: RunRecord;
  if (
    before === undefined ||
    before.kernel === null ||
    (before.step === 'pushing' && pushedBefore === 0)
  ) {
    // Killed before the push: nothing to attach to, so attach says so and `run` starts over.
    assert.equal(pushedBefore, 0, `${name}: the record at ${at} missed a push that landed`);
    const attach = await runCli(['attach', 'last', '--json'], { cwd: dir, env });
    assert.equal(attach.code, 2, attach.stdout + attach.stderr);
    // With --json the error is the JSON document on stdout.
    if (before !== undefined) assert.match(attach.stdout, /never|nothing to attach/i);
    const again = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], {
      env,
      timeoutMs: ITERATION_LIMIT_MS,
    });
    assert.equal(again.code, 0, again.stderr);
    record = JSON.parse(again.stdout) as RunRecord;
  } else {
    const attach = await runCli(['attach', 'last', '--json'], {
      cwd: dir,
      env,
      timeoutMs: ITERATION_LIMIT_MS,
    });
    assert.equal(attach.code, 0, attach.stdout + attach.stderr);
    record = JSON.parse(attach.stdout) as RunRecord;
    assert.equal(record.runId, before.runId);
  }
  const bytes = await verifyOutputs(record, server.dataDir);
  assert.equal(server.stats().pushes[kernel], 1, `${name}: exactly one push`);
  const how = code === null ? 'SIGKILLed' : `exited ${code} before the kill`;
  return `${name}: ${how} at ${killedAfterMs} ms (${at}), then ${record.status}, ${bytes} bytes verified`;
}

void test('chaos: runs SIGKILLed at seeded points are finished by attach: verified, one push each', async (t) => {
  const s = await scene(t);
  const outcomes: string[] = [];
  for (const [i, point] of killPoints(977).entries()) {
    outcomes.push(await killAndRecover(s, `chaos-kill-${i}`, 500 + i, point));
  }
  const summary = `chaos kill/attach: ${outcomes.length} runs, pushes ${JSON.stringify(s.server.stats().pushes)}\n  ${outcomes.join('\n  ')}`;
  t.diagnostic(summary);
  console.log(summary);
});

void test('chaos: a run killed just after its push landed (record at pushing) is not pushed twice', async (t) => {
  const s = await scene(t);
  t.diagnostic(await killAndRecover(s, 'chaos-kill-landed', 900, { pushLanded: true }));
});

/** Resolves at the kill point, or when the process ended on its own first. */
async function waitForKillPoint(
  dir: string,
  point: KillPoint,
  exited: Promise<unknown>,
  pushLanded: () => boolean,
): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  if ('afterMs' in point) {
    await Promise.race([new Promise((r) => setTimeout(r, point.afterMs)), exited]);
    return;
  }
  if ('pushLanded' in point) {
    // The server runs in this process: its count changes the moment the push is saved.
    while (!gone && !pushLanded()) await new Promise((r) => setImmediate(r));
    return;
  }
  while (!gone) {
    const record = await onlyRunRecord(dir).catch(() => undefined);
    if (record !== undefined && STEPS.indexOf(record.step) >= STEPS.indexOf(point.step)) {
      await new Promise((r) => setTimeout(r, point.extraMs));
      return;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
