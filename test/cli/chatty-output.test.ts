// Programs that print a lot, through the real CLI: a million short lines, and a progress bar
// redrawn with `\r`. Every line must land in the run's log.jsonl in order and once, and the
// run must end with the platform's own terminal status, locally and on kaggle-run server.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import type { LogLine } from '../../src/store/run-store.js';
import { kaggleEnv, startTestServer, tempDir } from '../server/helpers.js';
import { runCli } from '../helpers/cli.js';

const LINES = 1_000_000;
const TIMEOUT_MS = 10 * 60_000;

const MILLION_LINES = `import sys
for i in range(${LINES}):
    print(f"step {i} loss={1.0 / (i + 1):.6f}")
`;

/** About 10 MB of tqdm-style redraws: `\\r` and the bar, no newline until the end. */
const PROGRESS_BAR = `import sys
total = 100000
for i in range(total + 1):
    pct = i * 100 // total
    sys.stderr.write("\\r%3d%%|%s%s| %d/%d [00:00<00:00, 9999.99it/s]" % (pct, "#" * (pct // 2), " " * (50 - pct // 2), i, total))
sys.stderr.write("\\n")
print("done")
`;

async function project(parent: string, source: string): Promise<string> {
  const dir = join(parent, 'chatty');
  await (await import('node:fs/promises')).mkdir(dir);
  await writeFile(join(dir, 'main.py'), source);
  await writeFile(join(dir, 'kaggle-run.yaml'), 'name: chatty\nentry: main.py\ntimeout: 10m\n');
  return dir;
}

async function runLog(dir: string, runId: string): Promise<LogLine[]> {
  const text = await readFile(join(dir, '.kaggle-run', 'runs', runId, 'log.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

/** Every `step i` line, in order, once. */
function assertAllSteps(log: LogLine[]): void {
  let next = 0;
  for (const line of log) {
    const m = /^step (\d+) loss=/.exec(line.text);
    if (m === null) continue;
    assert.equal(Number(m[1]), next, `line ${next} missing, repeated or out of order`);
    assert.equal(line.stream, 'stdout');
    next++;
  }
  assert.equal(next, LINES);
}

/** The progress bar's bytes, joined back, are exactly what the program wrote. */
function assertProgressBytes(log: LogLine[]): void {
  const stderr = log
    .filter((l) => l.stream === 'stderr')
    .map((l) => l.text)
    .join('');
  const frames = stderr.split('\r').filter((f) => f !== '');
  assert.equal(frames.length, 100_001);
  assert.match(frames[0]!, /^ {2}0%\|/);
  assert.match(frames.at(-1)!, /^100%\|#{50}\| 100000\/100000 .*\n$/);
  assert.ok(log.some((l) => l.stream === 'stdout' && l.text === 'done\n'));
}

void test('a million lines through kaggle-run server: all in log.jsonl in order, ended by the platform status', async (t) => {
  const server = await startTestServer(t);
  const dir = await project(await tempDir(t), MILLION_LINES);
  const result = await runCli(['run', dir, '--kaggle', '--endpoint', server.url, '--json'], {
    env: await kaggleEnv(t),
    timeoutMs: TIMEOUT_MS,
  });
  assert.equal(result.code, 0, result.stderr.slice(-2000));
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.equal(record.status, 'complete');
  assert.equal(record.exitCode, 0);
  assertAllSteps(await runLog(dir, record.runId));
  // The client took the end from the server, after the server had it.
  const kernel = JSON.parse(
    await readFile(
      join(server.dataDir, 'kernels', 'me', 'kaggle-run-chatty', 'kernel.json'),
      'utf8',
    ),
  ) as { versions: { number: number; status: string; endedAt: string }[] };
  const version = kernel.versions.find((v) => v.number === record.version)!;
  assert.equal(version.status, 'COMPLETE');
  assert.ok(Date.parse(record.endedAt!) >= Date.parse(version.endedAt));
});

void test('a million lines run locally: all in log.jsonl in order', async (t) => {
  const dir = await project(await tempDir(t), MILLION_LINES);
  const result = await runCli(['run', dir, '--json'], { timeoutMs: TIMEOUT_MS });
  assert.equal(result.code, 0, result.stderr.slice(-2000));
  const record = JSON.parse(result.stdout) as RunRecord;
  assert.equal(record.status, 'complete');
  assertAllSteps(await runLog(dir, record.runId));
});

void test('a 10 MB progress bar through kaggle-run server and locally keeps its bytes in log.jsonl', async (t) => {
  const server = await startTestServer(t);
  const env = await kaggleEnv(t);
  for (const remote of [true, false]) {
    const dir = await project(await tempDir(t), PROGRESS_BAR);
    const args = remote ? ['--kaggle', '--endpoint', server.url] : [];
    const result = await runCli(['run', dir, ...args, '--json'], { env, timeoutMs: TIMEOUT_MS });
    assert.equal(result.code, 0, result.stderr.slice(-2000));
    const record = JSON.parse(result.stdout) as RunRecord;
    assert.equal(record.status, 'complete');
    assertProgressBytes(await runLog(dir, record.runId));
  }
});
