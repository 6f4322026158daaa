// The CLI's entry sets V8 for each command (bin/tune-v8.js): short-lived commands stop at
// Maglev, `server` keeps TurboFan. Checked on a hot function in a process of its own, against
// an untuned process that does reach TurboFan, so the check means something on this node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/util/package-root.js';

const run = promisify(execFile);
const tuner = join(packageRoot(), 'bin', 'tune-v8.js');
/** V8's optimization status bit for code TurboFan compiled (runtime-test.cc, V8 11-12). */
const TURBOFANNED = 1 << 6;

/**
 * Whether a hot function reached TurboFan within `ms` of calls, in a node tuned for `command`
 * (none: untouched). TurboFan compiles on a thread of its own, so the loop gives it time.
 */
async function reachesTurboFan(command: string | undefined, ms: number): Promise<boolean> {
  const script = `${command === undefined ? '' : `require(${JSON.stringify(tuner)}).tuneV8For(${JSON.stringify(command)});`}
function hot(a, b) { return (a * 31 + b) | 0; }
let x = 0, status = 0;
const start = Date.now();
for (let i = 1; Date.now() - start < ${ms}; i++) {
  x = hot(x, i);
  if (i % 10000 === 0 && ((status = %GetOptimizationStatus(hot)) & ${TURBOFANNED})) break;
}
process.stdout.write(String(status & ${TURBOFANNED}));`;
  const { stdout } = await run(process.execPath, ['--allow-natives-syntax', '-e', script]);
  return stdout !== '0';
}

void test('an untuned node reaches TurboFan (the control)', async () => {
  assert.equal(await reachesTurboFan(undefined, 20_000), true);
});

void test('short-lived commands stop at Maglev', async () => {
  for (const command of ['run', 'fetch', 'other']) {
    assert.equal(await reachesTurboFan(command, 1000), false, command);
  }
});

void test('the server keeps TurboFan', async () => {
  assert.equal(await reachesTurboFan('server', 20_000), true);
});
