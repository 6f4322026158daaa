import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { PlatformUnreachableError } from '../../src/kaggle/errors.js';
import { KaggleApiPlatform } from '../../src/kaggle/kaggle-platform.js';
import { DEFAULT_OUTAGE_LIMIT_MS, outageLimitFromEnv } from '../../src/kaggle/outage.js';
import type { RunHandle, WatchEvent } from '../../src/platform/platform.js';
import { startServer } from '../../src/server/server.js';
import { ME, onCleanup, PYTHON, push, scriptPush, tempDir } from '../server/helpers.js';
import { waitUntil } from '../helpers/wait.js';

const env = { KAGGLE_USERNAME: ME.username, KAGGLE_KEY: ME.key, KAGGLE_API_TOKEN: '' };

function platformFor(url: string, extra: { outageLimitMs?: number; maxAttempts?: number } = {}) {
  return new KaggleApiPlatform({ endpoint: url, env, home: '/nonexistent-home', ...extra });
}

const handle = (slug: string): RunHandle => ({
  platform: 'kaggle',
  kernel: `me/${slug}`,
  version: 1,
  nonce: 'n',
});

void test('a watch rides out a server restart: terminal status, the whole log, no duplicates', async (t) => {
  const dataDir = await tempDir(t);
  const options = { dataDir, accounts: [ME], python: PYTHON, sandbox: 'none' as const };
  const first = await startServer(options);
  let current = first;
  onCleanup(t, () => current.close());
  const source = [
    'import sys, time',
    'for i in range(12):',
    "    print('line %d' % i)",
    '    sys.stdout.flush()',
    '    time.sleep(0.2)',
    "open('done.txt','w').write('ok')",
  ].join('\n');
  await push(first, scriptPush('outage-run', source));
  const platform = platformFor(first.url);
  const events: WatchEvent[] = [];
  const watching = (async () => {
    for await (const event of platform.watch(handle('outage-run'))) events.push(event);
  })();

  // Once the run is under way, the server goes away for about 2 s and comes back.
  const log = join(dataDir, 'kernels', 'me', 'outage-run', '1', 'session', 'log.jsonl');
  await waitUntil('line 2 in the log', async () =>
    (await readFile(log, 'utf8').catch(() => '')).includes('line 2'),
  );
  await first.close({ detachSessions: true });
  await new Promise((r) => setTimeout(r, 2000));
  current = await startServer({ ...options, port: first.port });
  await watching;

  const last = events.at(-1);
  assert.deepEqual(last, { type: 'status', status: 'complete', message: undefined });
  // Lines that arrive together come as one log event: compare the lines, each once.
  const lines = events
    .flatMap((e) => (e.type === 'log' ? [e.text] : []))
    .join('')
    .split(/(?<=\n)/);
  assert.deepEqual(
    lines,
    Array.from({ length: 12 }, (_, i) => `line ${i}\n`),
  );
  const files = await platform.listOutputs(handle('outage-run'));
  assert.deepEqual(files, [{ path: 'done.txt' }]);
});

void test('past the outage limit the watch throws PlatformUnreachableError naming attach', async (t) => {
  const server = await startServer({
    dataDir: await tempDir(t),
    accounts: [ME],
    python: PYTHON,
    sandbox: 'none',
  });
  await push(server, scriptPush('lost-run', 'import time\ntime.sleep(30)'));
  await server.close();
  const platform = platformFor(server.url, { outageLimitMs: 300, maxAttempts: 1 });
  const events: WatchEvent[] = [];
  await assert.rejects(
    (async () => {
      for await (const event of platform.watch(handle('lost-run'))) events.push(event);
    })(),
    (error: unknown) =>
      error instanceof PlatformUnreachableError &&
      /goes on remotely/.test(error.message) &&
      /kaggle-run attach <run>/.test(error.message),
  );
  assert.equal(events.length, 1);
  assert.equal(events[0]?.type, 'status');
  assert.match(events[0]?.type === 'status' ? (events[0].message ?? '') : '', /API unreachable/);
});

void test('KAGGLE_RUN_OUTAGE_LIMIT is seconds; garbage is a usage error', () => {
  assert.equal(outageLimitFromEnv({}), DEFAULT_OUTAGE_LIMIT_MS);
  assert.equal(outageLimitFromEnv({ KAGGLE_RUN_OUTAGE_LIMIT: '2.5' }), 2500);
  assert.throws(() => outageLimitFromEnv({ KAGGLE_RUN_OUTAGE_LIMIT: 'soon' }), UsageError);
});
