// --output-file REMOTE=LOCAL (one output at an exact path, the run fails without it) and
// --data SLUG=PATH (an input for this run only), plus `optional: true` data in the spec.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { sha256Hex } from '../../src/util/hash.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { kaggleEnv, startTestServer } from '../server/helpers.js';

// Inputs are found through KAGGLE_RUN_INPUTS, whatever the layout of the input folder.
const PROGRAM = `import json, os
inputs = json.loads(os.environ.get("KAGGLE_RUN_INPUTS") or "{}")
ref = os.path.join(inputs.get("voice-ref", "/nonexistent"), "ryan.wav")
print("ref:", open(ref).read() if os.path.exists(ref) else "none")
refs = inputs.get("refs", "/nonexistent")
print("refs:", ",".join(sorted(os.listdir(refs))) if os.path.isdir(refs) else "absent")
open("speech.wav", "w").write("RIFF" + "x" * 40)
os.makedirs("cache", exist_ok=True)
open("cache/model.bin", "wb").write(b"0" * 200000)
`;

async function project(t: Parameters<typeof tempDir>[0], spec = ''): Promise<string> {
  const dir = join(await tempDir(t), 'tts');
  await mkdir(dir);
  await writeFile(join(dir, 'kaggle-run.yaml'), `name: tts\nentry: synth.py\n${spec}`);
  await writeFile(join(dir, 'synth.py'), PROGRAM);
  return dir;
}

void test('--output-file alone brings back just that file, verified, at the exact local path', async (t) => {
  const dir = await project(t);
  const out = await tempDir(t);
  // The local path is taken from the current folder.
  const run = await runCli(
    ['run', dir, '--json', '--output-file', 'speech.wav=gen/generated.wav'],
    { cwd: out },
  );
  assert.equal(run.code, 0, run.stderr);
  const record = JSON.parse(run.stdout) as RunRecord;
  assert.deepEqual(
    record.outputs.map((o) => o.path),
    ['speech.wav'],
  );
  const placed = await readFile(join(out, 'gen', 'generated.wav'));
  assert.equal(sha256Hex(placed), record.outputs[0]!.sha256);
  assert.deepEqual(record.outputFiles, [
    { path: 'speech.wav', dest: join(out, 'gen', 'generated.wav') },
  ]);
});

void test('--output-file of a file the program did not write: exit 1, a clear message, nothing placed', async (t) => {
  const dir = await project(t);
  const out = await tempDir(t);
  const run = await runCli(['run', dir, '--output-file', 'missing.wav=generated.wav'], {
    cwd: out,
  });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /the program wrote no missing\.wav .*asked for with --output-file/);
  assert.equal(existsSync(join(out, 'generated.wav')), false);
  const bad = await runCli(['run', dir, '--output-file', '../x.wav=y.wav'], { cwd: out });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a path inside the working folder/);
});

void test('--data SLUG=PATH attaches a file from outside the project for this run only (local and Kaggle)', async (t) => {
  const dir = await project(t);
  const elsewhere = await tempDir(t);
  await writeFile(join(elsewhere, 'ryan.wav'), 'ryan voice');
  const local = await runCli(['run', dir, '--json', '--data', 'voice-ref=ryan.wav'], {
    cwd: elsewhere,
  });
  assert.equal(local.code, 0, local.stderr);
  assert.match(local.stderr, /ref: ryan voice\n/);

  const server = await startTestServer(t, { datasetReadyDelayMs: 0 });
  const remote = await runCli(
    [
      'run',
      dir,
      '--kaggle',
      '--endpoint',
      server.url,
      '--json',
      '--data',
      `voice-ref=${join(elsewhere, 'ryan.wav')}`,
    ],
    { env: await kaggleEnv(t) },
  );
  assert.equal(remote.code, 0, remote.stderr);
  assert.match(remote.stderr, /ref: ryan voice\n/);
  const record = JSON.parse(remote.stdout) as RunRecord;
  assert.deepEqual(
    record.shipping?.data.map((d) => d.dataset),
    ['me/voice-ref'],
  );
  // Not written anywhere: the next run has no such input.
  const next = await runCli(['run', dir], {});
  assert.equal(next.code, 0, next.stderr);
  assert.match(next.stdout, /ref: none\n/);

  const wrong = await runCli(['run', dir, '--data', 'Voice_Ref=ryan.wav'], { cwd: elsewhere });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /expected SLUG=PATH/);
});

void test('data marked optional may be absent or empty; a plain entry may not', async (t) => {
  const dir = await project(t, 'data:\n  refs: {path: refs, optional: true}\n');
  const absent = await runCli(['run', dir]);
  assert.equal(absent.code, 0, absent.stderr);
  assert.match(absent.stdout, /refs: absent\n/);
  assert.match(absent.stderr, /data refs: refs is absent or empty; it is optional/);
  await mkdir(join(dir, 'refs'));
  const empty = await runCli(['run', dir]);
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /refs: absent\n/);
  await writeFile(join(dir, 'refs', 'a.wav'), 'a');
  const present = await runCli(['run', dir]);
  assert.equal(present.code, 0, present.stderr);
  assert.match(present.stdout, /refs: a\.wav\n/);

  const strict = await project(t, 'data:\n  refs: refs\n');
  const missing = await runCli(['run', strict]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /data\.refs: path not found/);
});
