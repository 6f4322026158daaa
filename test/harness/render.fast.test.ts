import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError, UsageError } from '../../src/errors.js';
import { harnessSource, renderHarness, settingsForJob } from '../../src/harness/render.js';
import { argNames, isPythonIdentifier } from '../../src/harness/settings.js';
import type { Job } from '../../src/job.js';
import { testJob } from '../helpers/job.js';
import { packageRoot, packageVersion } from '../../src/util/package-root.js';
import { baseSettings } from './helpers.js';

function job(overrides: Partial<Job> = {}): Job {
  return testJob({
    args: ['--epochs', '${epochs}'],
    params: { epochs: 3, message: "'; import os #" },
    accelerator: 't4x2',
    requirements: { file: 'requirements.txt' },
    internet: false,
    ...overrides,
  });
}

void test('settingsForJob maps a Job onto version-1 settings', () => {
  const settings = settingsForJob(job(), {
    runId: 'r1',
    nonce: 'n1',
    code: { mode: 'inline' },
    strictAccelerator: true,
  });
  assert.deepEqual(settings, {
    version: 1,
    runId: 'r1',
    nonce: 'n1',
    entry: 'train.py',
    kind: 'script',
    args: ['--epochs', '${epochs}'],
    params: { epochs: 3, message: "'; import os #" },
    accelerator: 't4x2',
    acceleratorKind: 'gpu',
    strictAccelerator: true,
    requirements: { file: 'requirements.txt' },
    code: { mode: 'inline' },
    timeoutSeconds: 600,
    secrets: [],
    envFile: null,
    batch: null,
    dropUnchangedCode: false,
  });
  const local = settingsForJob(job({ accelerator: 'tpu-v3-8', requirements: undefined }), {
    runId: 'r1',
    nonce: 'n1',
    code: { mode: 'file', path: 'kaggle-run-code/code.zip' },
    strictAccelerator: false,
  });
  assert.equal(local.acceleratorKind, 'tpu');
  assert.equal(local.requirements, null);
  assert.equal(
    settingsForJob(job({ accelerator: 'none' }), {
      runId: 'r',
      nonce: 'n',
      code: { mode: 'inline' },
      strictAccelerator: false,
    }).acceleratorKind,
    'none',
  );
});

void test('settingsForJob refuses unknown ${names} in args and non-identifier notebook params', () => {
  const opts = {
    runId: 'r',
    nonce: 'n',
    code: { mode: 'inline' as const },
    strictAccelerator: true,
  };
  assert.throws(
    () => settingsForJob(job({ args: ['${epochs}', '${lr}', '$${literal}'] }), opts),
    (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /unknown param \$\{lr\}$/);
      assert.match(error.hint ?? '', /known: epochs, message/);
      return true;
    },
  );
  assert.throws(
    () =>
      settingsForJob(
        job({ kind: 'notebook', entry: 'a.ipynb', args: [], params: { 'learning-rate': 1 } }),
        opts,
      ),
    /"learning-rate" cannot be Python variables/,
  );
  assert.deepEqual(argNames('--x=${a}:${b}$${c}'), ['a', 'b']);
  assert.equal(isPythonIdentifier('lr_2'), true);
  assert.equal(isPythonIdentifier('über'), true);
  assert.equal(isPythonIdentifier('2lr'), false);
  assert.equal(isPythonIdentifier('lambda'), false);
});

void test('renderHarness: settings and code only as base64 literals; no user string outside them', () => {
  const params = { evil: "'''\"\"\"; import os; os.system('rm -rf /') #\n", uni: 'héllo' };
  const settings = baseSettings({ params, args: ['${evil}'] });
  const zip = Buffer.from('PK fake zip bytes with \'quotes\' and """triples"""');
  const source = renderHarness(settings, zip);
  const lines = source.split('\n');
  assert.equal(lines[0], `# kaggle-run harness ${packageVersion()}, generated; do not edit`);
  const settingsMatch = /^KAGGLE_RUN_SETTINGS_B64 = '([A-Za-z0-9+/=]+)'$/.exec(lines[1] ?? '');
  const codeMatch = /^KAGGLE_RUN_CODE_B64 = '([A-Za-z0-9+/=]+)'$/.exec(lines[2] ?? '');
  assert.ok(settingsMatch && codeMatch);
  assert.deepEqual(JSON.parse(Buffer.from(settingsMatch[1]!, 'base64').toString('utf8')), settings);
  assert.deepEqual(Buffer.from(codeMatch[1]!, 'base64'), zip);
  assert.equal(lines.slice(3).join('\n'), harnessSource());
  assert.ok(!source.includes('import os; os.system'));
  assert.ok(!source.includes('héllo'));
  assert.ok(!source.includes('fake zip bytes'));

  const fileMode = renderHarness(
    baseSettings({ code: { mode: 'file', path: 'kaggle-run-code/code.zip' } }),
  );
  assert.match(fileMode, /^KAGGLE_RUN_CODE_B64 = ''$/m);
  assert.throws(() => renderHarness(baseSettings()), InternalError);
  assert.throws(
    () => renderHarness(baseSettings({ code: { mode: 'file', path: 'x.zip' } }), zip),
    InternalError,
  );
});

void test('the harness source is the shipped file, ASCII only, and defines no settings itself', () => {
  const source = harnessSource();
  assert.equal(source, readFileSync(join(packageRoot(), 'dist', 'harness', 'harness.py'), 'utf8'));
  assert.match(source, /^# kaggle-run harness/);
  assert.doesNotMatch(source, /[^\x00-\x7f]/); // eslint-disable-line no-control-regex
  assert.doesNotMatch(source, /^KAGGLE_RUN_(SETTINGS|CODE)_B64\s*=/m);
  assert.match(source, /^ {4}from kaggle_run_harness\.main import run_as_script$/m);
});
