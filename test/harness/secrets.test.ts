// Secrets and the env file in the harness: a fake `kaggle_secrets` module (a real module file
// on PYTHONPATH, as Kaggle's image has one), the environment fallback of local runs, and the
// masking of every value in what the harness prints and logs.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.js';
import { baseSettings, makeZip, runHarness, type HarnessRun } from './helpers.js';

/** A folder holding kaggle_secrets.py that knows `values` and refuses any other label. */
async function fakeKaggleSecrets(t: TestContext, values: Record<string, string>): Promise<string> {
  const dir = await tempDir(t, 'kaggle-run-fake-secrets-');
  await writeFile(
    join(dir, 'kaggle_secrets.py'),
    [
      'import json',
      `VALUES = json.loads(${JSON.stringify(JSON.stringify(values))})`,
      'class UserSecretsClient:',
      '    def get_secret(self, label):',
      '        if label not in VALUES:',
      '            raise Exception("No user secrets exist for kernel id 1 and label %s" % label)',
      '        return VALUES[label]',
      '',
    ].join('\n'),
  );
  return dir;
}

const token = 'hf_SeCrEt_value_42';

// Prints the secret every way a program might: mid-line, in two writes with a pause between,
// to stderr, and in the traceback of an uncaught exception. It also saves it to a file,
// which proves the program got the real value (outputs are the program's, not masked).
const leaky = [
  'import os, sys, time',
  'tok = os.environ["HF_TOKEN"]',
  'open("seen.txt", "w").write(tok)',
  'print("token is " + tok + " (mid-line)", flush=True)',
  'sys.stdout.write("halves: " + tok[:7]); sys.stdout.flush(); time.sleep(0.3)',
  'sys.stdout.write(tok[7:] + " done\\n"); sys.stdout.flush()',
  'sys.stderr.write("stderr " + tok + "\\n"); sys.stderr.flush()',
  'print("partial tail " + tok[:3], flush=True)',
  'raise RuntimeError("bad token " + tok)',
].join('\n');

async function assertMasked(run: HarnessRun, value: string): Promise<void> {
  const log = await readFile(join(run.working, 'kaggle-run.log'), 'utf8');
  for (const [where, text] of [
    ['stdout', run.stdout],
    ['stderr', run.stderr],
    ['log', log],
    ['manifest error', run.manifest?.error ?? ''],
  ] as const) {
    assert.ok(!text.includes(value), `${where} shows the value:\n${text}`);
  }
}

void test('secrets from kaggle_secrets reach the program and are masked everywhere', async (t) => {
  const fake = await fakeKaggleSecrets(t, { HF_TOKEN: token, OTHER: 'other-secret' });
  const zip = await makeZip({ 'train.py': leaky });
  const run = await runHarness(t, baseSettings({ secrets: ['HF_TOKEN'] }), {
    zip,
    env: { PYTHONPATH: fake, HF_TOKEN: 'not-this-one' },
  });
  assert.equal(run.code, 1, run.stderr);
  assert.equal(await readFile(join(run.working, 'seen.txt'), 'utf8'), token);
  await assertMasked(run, token);
  assert.match(run.stdout, /^\[kaggle-run\] secrets: HF_TOKEN \(values masked in this log\)$/m);
  assert.match(run.stdout, /^token is \*\*\* \(mid-line\)$/m);
  assert.match(run.stdout, /^halves: \*\*\* done$/m);
  // A value's start alone is not the value: it shows once the program ended.
  assert.match(run.stdout, /^partial tail hf_$/m);
  assert.match(run.stderr, /^stderr \*\*\*$/m);
  assert.match(run.stderr, /^RuntimeError: bad token \*\*\*$/m);
  assert.match(run.stderr, /Traceback/);
  // The log interleaves both streams as they come, so only that it masks is checked there.
  assert.match(
    await readFile(join(run.working, 'kaggle-run.log'), 'utf8'),
    /token is \*\*\* \(mid/,
  );
});

void test('outside Kaggle a secret comes from the environment', async (t) => {
  const zip = await makeZip({ 'train.py': leaky });
  const run = await runHarness(t, baseSettings({ secrets: ['HF_TOKEN'] }), {
    zip,
    env: { HF_TOKEN: token },
  });
  assert.equal(run.code, 1, run.stderr);
  assert.equal(await readFile(join(run.working, 'seen.txt'), 'utf8'), token);
  await assertMasked(run, token);
  assert.match(run.stdout, /^token is \*\*\* \(mid-line\)$/m);
});

void test('a secret Kaggle does not give fails at step secrets, saying how to attach it', async (t) => {
  const fake = await fakeKaggleSecrets(t, { HF_TOKEN: token });
  const zip = await makeZip({ 'train.py': 'open("ran.txt", "w").write("ran")\n' });
  const run = await runHarness(t, baseSettings({ secrets: ['HF_TOKEN', 'WANDB_KEY'] }), {
    zip,
    env: { PYTHONPATH: fake },
  });
  assert.equal(run.code, 2);
  assert.equal(run.manifest?.failedStep, 'secrets');
  assert.match(
    run.stderr,
    /error: the Kaggle secret WANDB_KEY is not available to this notebook \(No user secrets exist .*label WANDB_KEY\); attach it on Kaggle: .*Add-ons > Secrets, add a secret named WANDB_KEY and tick it for this notebook/,
  );
  assert.deepEqual(
    run.manifest?.files.map((f) => f.path),
    ['kaggle-run.log'],
  );
});

void test('a secret missing from the environment of a local run says to export it', async (t) => {
  const zip = await makeZip({ 'train.py': 'print(1)\n' });
  const run = await runHarness(t, baseSettings({ secrets: ['WANDB_KEY'] }), { zip });
  assert.equal(run.code, 2);
  assert.equal(run.manifest?.failedStep, 'secrets');
  assert.match(run.stderr, /secret WANDB_KEY is not set: .*export WANDB_KEY=\.\.\./);
  assert.match(run.stderr, /Add-ons > Secrets/);
});

void test('the env file reaches the program; values of 4+ bytes are masked', async (t) => {
  const zip = await makeZip({
    'train.py': [
      'import json, os',
      'print("db", os.environ["DB_PASSWORD"], "region", os.environ["REGION"])',
      'json.dump({k: os.environ[k] for k in ("DB_PASSWORD", "REGION")}, open("seen.json", "w"))',
    ].join('\n'),
  });
  const vars = { DB_PASSWORD: 'correct horse battery', REGION: 'eu' };
  const run = await runHarness(t, baseSettings({ envFile: { path: 'kaggle-run-env/env.json' } }), {
    zip,
    inputs: { 'kaggle-run-env/env.json': Buffer.from(JSON.stringify(vars)) },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(await readFile(join(run.working, 'seen.json'), 'utf8')), vars);
  await assertMasked(run, vars.DB_PASSWORD);
  // Two letters are not masked: they would garble every line and hide nothing.
  assert.match(run.stdout, /^db \*\*\* region eu$/m);
  assert.match(run.stdout, /env file: DB_PASSWORD, REGION \(values masked in this log\)/);
});

void test('a missing or malformed env file fails at step env-file', async (t) => {
  const zip = await makeZip({ 'train.py': 'print(1)\n' });
  const settings = baseSettings({ envFile: { path: 'kaggle-run-env/env.json' } });
  const missing = await runHarness(t, settings, { zip });
  assert.equal(missing.code, 2);
  assert.equal(missing.manifest?.failedStep, 'env-file');
  assert.match(missing.stderr, /the env file .*env\.json is missing; attach its private dataset/);

  const bad = await runHarness(t, settings, {
    zip,
    inputs: { 'kaggle-run-env/env.json': Buffer.from('{"A": "secret-value",') },
  });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /the env file .*env\.json is not readable JSON/);
  assert.ok(!bad.stderr.includes('secret-value'));

  const notText = await runHarness(t, settings, {
    zip,
    inputs: { 'kaggle-run-env/env.json': Buffer.from('{"A": 1, "bad name": "x"}') },
  });
  assert.equal(notText.code, 2);
  assert.match(notText.stderr, /entries that are not NAME -> text: "A", "bad name"/);
});

void test('a secret in a harness error message is masked in the manifest too', async (t) => {
  // The clone error names the URL; here the URL holds the secret's value.
  const run = await runHarness(
    t,
    baseSettings({
      secrets: ['REPO_KEY'],
      code: {
        mode: 'git',
        url: `/nonexistent/${token}/repo.git`,
        commit: 'a'.repeat(40),
        ref: null,
        subdir: '',
        tokenSecret: null,
      },
    }),
    { env: { REPO_KEY: token } },
  );
  assert.equal(run.code, 2);
  assert.match(
    run.manifest?.error ?? '',
    /cannot fetch commit .* from \/nonexistent\/\*\*\*\/repo\.git/,
  );
  await assertMasked(run, token);
});
