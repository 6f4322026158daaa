// `--events`: one JSON line per library event on stdout, the last one `done` or `error`;
// kaggle-run's own lines on stderr, the program's log only in the `log` events.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { cli, copyExample, runCli } from '../helpers/cli.js';

type EventLine = { v: number; type: string } & Record<string, unknown>;

/** Every stdout line parsed; fails on any line that is not a versioned JSON object. */
function eventLines(stdout: string): EventLine[] {
  assert.ok(stdout.endsWith('\n'), 'stdout ends with a newline');
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const value = JSON.parse(line) as EventLine;
      assert.equal(value.v, 1, line);
      assert.equal(typeof value.type, 'string', line);
      assert.deepEqual(Object.keys(value).slice(0, 2), ['v', 'type']);
      return value;
    });
}

void test('run --events: resolved first, log lines, outputs, done with the stored record last', async (t) => {
  const dir = await copyExample(t, 'hello');
  const result = await runCli(['run', dir, '--events', '-p', 'epochs=2']);
  assert.equal(result.code, 0, result.stderr);
  const events = eventLines(result.stdout);
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'resolved');
  assert.deepEqual(
    ['packed', 'pushed', 'output', 'done'].map((type) => types.includes(type)),
    [true, true, true, true],
  );
  const done = events.at(-1)!;
  assert.equal(done.type, 'done');
  const record = done.record as RunRecord;
  assert.equal(record.status, 'complete');
  assert.equal(events[0]!.runId, record.runId);
  const saved = JSON.parse(
    await readFile(join(dir, '.kaggle-run', 'runs', record.runId, 'run.json'), 'utf8'),
  ) as RunRecord;
  assert.deepEqual(saved, record);
  const log = events
    .filter((e) => e.type === 'log')
    .map((e) => {
      assert.match(String(e.stream), /^(stdout|stderr)$/);
      return String(e.text);
    })
    .join('');
  assert.match(log, /epoch 2\/2 loss=/);
  assert.deepEqual(
    events.filter((e) => e.type === 'output').map((e) => (e.file as { path: string }).path),
    ['results/metrics.json', 'results/predictions.csv'],
  );
  // Human lines on stderr, the program's log not repeated there.
  assert.match(result.stderr, /\[kaggle-run\] complete in/);
  assert.doesNotMatch(result.stderr, /epoch 2\/2/);
});

void test('run --events: an error after the run was recorded ends with an error line naming the run', async (t) => {
  const dir = await copyExample(t, 'hello');
  await writeFile(join(dir, '.kaggleignore'), 'train.py\n');
  const result = await runCli(['run', dir, '--events']);
  assert.equal(result.code, 2, result.stderr);
  const events = eventLines(result.stdout);
  const last = events.at(-1)!;
  assert.equal(last.type, 'error');
  assert.equal(last.runId, events[0]!.runId);
  assert.equal(typeof last.runId, 'string');
  const error = last.error as { kind: string; message: string; exitCode: number };
  assert.equal(error.kind, 'UsageError');
  assert.equal(error.exitCode, 2);
  assert.match(error.message, /train\.py is not among the packed files/);
  const shown = JSON.parse(
    (await cli(['show', String(last.runId), '--json'], { cwd: dir })).stdout,
  ) as RunRecord;
  assert.equal(shown.status, 'error');

  // --json: the same run id in the error document.
  const json = await cli(['run', dir, '--json']);
  assert.equal(json.code, 2);
  const doc = JSON.parse(json.stdout) as { runId: string | null; error: { kind: string } };
  assert.match(doc.runId ?? '', /-hello-/);
  assert.equal(doc.error.kind, 'UsageError');
});

void test('--events: a usage error before any run is one error line with runId null', async (t) => {
  const dir = await copyExample(t, 'hello');
  const both = await cli(['run', dir, '--events', '--json']);
  assert.equal(both.code, 2);
  const [line, ...rest] = eventLines(both.stdout);
  assert.deepEqual(rest, []);
  assert.equal(line!.type, 'error');
  assert.equal(line!.runId, null);
  assert.match((line!.error as { message: string }).message, /--json and --events/);

  const badProfile = await cli(['run', dir, '--events', '--profile', 'nope']);
  assert.equal(badProfile.code, 2);
  const lines = eventLines(badProfile.stdout);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.type, 'error');
  assert.equal((lines[0]!.error as { exitCode: number }).exitCode, 2);
});

void test('attach --events on a finished run: one done line', async (t) => {
  const dir = await copyExample(t, 'hello');
  const first = await runCli(['run', dir, '--json']);
  assert.equal(first.code, 0, first.stderr);
  const { runId } = JSON.parse(first.stdout) as RunRecord;
  const attached = await cli(['attach', runId, '--events'], { cwd: dir });
  assert.equal(attached.code, 0, attached.stderr);
  const events = eventLines(attached.stdout);
  assert.deepEqual(
    events.map((e) => e.type),
    ['done'],
  );
  assert.equal((events[0]!.record as RunRecord).runId, runId);
});

void test('a sweep with --events: sweep-start, point events wrapping run events, done with the result', async (t) => {
  const dir = await copyExample(t, 'hello');
  const result = await runCli(['run', dir, '--events', '--sweep', 'epochs=1,2']);
  assert.equal(result.code, 0, result.stderr);
  const events = eventLines(result.stdout);
  assert.equal(events[0]!.type, 'sweep-start');
  const done = events.at(-1)!;
  assert.equal(done.type, 'done');
  const points = (done.result as { records: RunRecord[] }).records;
  assert.deepEqual(points.map((r) => r.status).sort(), ['complete', 'complete']);
  const inner = events
    .filter((e) => e.type === 'point-event')
    .map((e) => e.event as { type: string; text?: string });
  assert.ok(inner.some((e) => e.type === 'log' && /epoch 2\/2/.test(e.text ?? '')));
  assert.equal(events.filter((e) => e.type === 'point-end').length, 2);
  assert.doesNotMatch(result.stderr, /epoch 2\/2/);
});
