import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kaggleEnv, startTestServer } from '../server/helpers.js';
import { copyExample, runCli } from '../helpers/cli.js';

void test('a chunk whose items overflow the kernel source is refused before any push', async (t) => {
  const server = await startTestServer(t);
  const dir = await copyExample(t, 'hello');
  const text = 'x'.repeat(4096);
  await writeFile(
    join(dir, 'items.jsonl'),
    Array.from({ length: 300 }, (_, i) => JSON.stringify({ key: `t${i}`, text })).join('\n'),
  );
  await writeFile(
    join(dir, 'kaggle-run.yaml'),
    'name: hello\nentry: train.py\nbatch: {file: items.jsonl, per_session: 300, id: key}\n',
  );
  const result = await runCli(['run', dir, '--kaggle', '--endpoint', server.url], {
    env: await kaggleEnv(t),
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /settings \(a batch's items\) are too big/);
  assert.equal(Object.keys(server.stats().pushes).length, 0);
});
