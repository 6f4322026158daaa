import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveJob } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';
import { cli } from '../helpers/cli.js';
import { isolatedEnv, project } from './project-fixture.js';
import { scaled } from '../helpers/machine.js';

const aliasBomb = [
  'entry: train.py',
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'params: { bomb: *f }',
  '',
].join('\n');

void test(
  'a YAML alias bomb is a config error (exit 2), not a crash',
  { timeout: 120_000 },
  async (t) => {
    const dir = await project(t, { 'train.py': 'print(1)\n', 'kaggle-run.yaml': aliasBomb });
    const result = await cli(['run', dir], { env: await isolatedEnv(t) });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /aliases \(\*name\) expand too much/);
    assert.doesNotMatch(result.stderr, /This is a bug/);
  },
);

void test(
  'an absurdly big kaggle-run.yaml is refused before it is parsed',
  { timeout: 60_000 },
  async (t) => {
    const filler = `# ${'x'.repeat(1022)}\n`.repeat(50 * 1024); // 50 MB of comments
    const dir = await project(t, {
      'train.py': 'print(1)\n',
      'kaggle-run.yaml': `entry: train.py\n${filler}`,
    });
    const limit = await scaled(5_000); // on an idle machine, stretched by its slowness
    const started = Date.now();
    const error = await resolveJob(dir, {}, await isolatedEnv(t)).catch((e: unknown) => e);
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, /50\.0 MiB, more than a config may hold/);
    assert.ok(Date.now() - started < limit, `took ${Date.now() - started} ms`);
  },
);

void test('a spec with 40,000 params loads in linear time', { timeout: 120_000 }, async (t) => {
  const lines = ['entry: train.py', 'params:'];
  for (let i = 0; i < 40_000; i++) lines.push(`  p${i}: ${i}`);
  lines.push('  p17: again');
  const dir = await project(t, { 'train.py': 'print(1)\n', 'kaggle-run.yaml': lines.join('\n') });
  const limit = await scaled(60_000); // on an idle machine, stretched by its slowness
  const started = Date.now();
  const error = await resolveJob(dir, {}, await isolatedEnv(t)).catch((e: unknown) => e);
  // The duplicate is still found, at its line; with the library's pairwise check this took
  // about 500 s.
  assert.ok(error instanceof ConfigError, String(error));
  assert.deepEqual(
    error.problems.map((p) => [p.line, /"p17" is repeated/.test(p.message)]),
    [[40_003, true]],
  );
  lines.pop();
  const fine = await project(t, { 'train.py': 'print(1)\n', 'kaggle-run.yaml': lines.join('\n') });
  const { job } = await resolveJob(fine, {}, await isolatedEnv(t));
  assert.equal(Object.keys(job.params).length, 40_000);
  assert.ok(Date.now() - started < limit, `took ${Date.now() - started} ms`);
});
