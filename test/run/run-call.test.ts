// The library's one-call `run()` as a TypeScript host uses it: typed params, progress through
// onEvent, the record with its phases, `{runId}` in the output folder, exported error classes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as library from '../../src/index.js';
import {
  CredentialsError,
  PlatformError,
  UsageError,
  run,
  type RunEvent,
} from '../../src/index.js';
import { copyExample } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

void test('run(): typed params reach the program as values; fetching, timings and {runId} in the output folder', async (t) => {
  const dir = await copyExample(t, 'hello');
  const out = await tempDir(t);
  const events: RunEvent[] = [];
  const record = await run({
    dir,
    params: { epochs: 2, message: 'it is "typed"', lr: 0.5 },
    outputDir: join(out, '{runId}'),
    env: { ...process.env, KAGGLE_RUN_HOME: join(out, 'store') },
    onEvent: (event) => events.push(event),
  });
  assert.equal(record.status, 'complete');
  assert.deepEqual(record.params, { epochs: 2, lr: 0.5, message: 'it is "typed"' });
  assert.equal(record.outputDir, join(out, record.runId));
  const metrics = JSON.parse(
    await readFile(join(out, record.runId, 'results', 'metrics.json'), 'utf8'),
  ) as { epochs: number; lr: number };
  assert.deepEqual([metrics.epochs, metrics.lr], [2, 0.5]);

  const fetching = events.find((e) => e.type === 'fetching');
  assert.ok(fetching !== undefined, 'a fetching event');
  assert.equal(fetching.files, record.outputs.length);
  assert.equal(
    fetching.bytes,
    record.outputs.reduce((sum, o) => sum + o.size, 0),
  );
  assert.ok(
    events.findIndex((e) => e.type === 'fetching') < events.findIndex((e) => e.type === 'output'),
  );
  const timings = record.timings!;
  assert.equal(typeof timings.programSeconds, 'number');
  assert.ok(timings.programSeconds! > 0);
  for (const key of ['queueSeconds', 'startSeconds', 'fetchSeconds', 'totalSeconds'] as const) {
    assert.equal(typeof timings[key], 'number', key);
    assert.ok(timings[key]! >= 0, key);
  }
  assert.ok(timings.totalSeconds! >= timings.programSeconds!);
  // The harness's parts of startSeconds, from its manifest's step times.
  for (const key of [
    'harnessStartSeconds',
    'unpackSeconds',
    'installSeconds',
    'manifestSeconds',
  ] as const) {
    assert.equal(typeof timings[key], 'number', key);
    assert.ok(timings[key]! >= 0, key);
  }
  const parts = timings.unpackSeconds! + timings.installSeconds! + timings.manifestSeconds!;
  assert.ok(parts <= timings.startSeconds! + 0.01, JSON.stringify(timings));
});

void test('run(): a value that is no param value is a UsageError naming it', async (t) => {
  const dir = await copyExample(t, 'hello');
  await assert.rejects(
    run({ dir, params: { epochs: Number.NaN } }),
    (error: unknown) => error instanceof UsageError && /param epochs: NaN/.test(error.message),
  );
});

void test('missing Kaggle credentials reject with the exported CredentialsError, a UsageError', async (t) => {
  const dir = await copyExample(t, 'hello');
  const home = await tempDir(t);
  const error = await run({
    dir,
    platform: 'kaggle',
    endpoint: 'http://127.0.0.1:9',
    env: { HOME: home, KAGGLE_CONFIG_DIR: home, PATH: process.env.PATH },
  }).catch((e: unknown) => e);
  assert.ok(error instanceof CredentialsError, String(error));
  assert.ok(error instanceof UsageError);
  assert.ok(!(error instanceof PlatformError));
  // Every error class of the library is at its root.
  for (const name of [
    'KaggleRunError',
    'ConfigError',
    'ProgramFailedError',
    'RunTimeoutError',
    'InterruptedError',
    'InternalError',
    'RunLostError',
    'KaggleApiError',
    'KaggleConnectionError',
    'KaggleTimeoutError',
    'PushRejectedError',
    'SessionCapError',
    'PlatformUnreachableError',
  ]) {
    assert.equal(typeof (library as Record<string, unknown>)[name], 'function', name);
  }
});
