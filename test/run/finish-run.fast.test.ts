import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunTimeoutError } from '../../src/errors.js';
import { finishRun } from '../../src/run/finish-run.js';
import { RunLifecycle } from '../../src/run/lifecycle.js';
import type { Platform, RunHandle, WatchEvent } from '../../src/platform/platform.js';
import { capabilitiesOf } from '../../src/platform/capabilities.js';
import { MANIFEST_FILE } from '../../src/manifest.js';
import { RunStore } from '../../src/store/run-store.js';
import { tempDir } from '../helpers/temp.js';
import { testRunRecord } from '../helpers/run-record.js';
import { scaled } from '../helpers/machine.js';

/** A platform whose first watch reports the previous version's COMPLETE (no log yet), as
 * Kaggle can just after a push; the second watch is this run's. Its API cannot say which
 * version is the latest (still failing after its retries): that must not fail the run. */
function staleFirstPlatform(
  remote: string,
  nonce: string,
): Platform & { watches: number; latestAsked: number } {
  const p = {
    name: 'kaggle' as const,
    capabilities: capabilitiesOf('kaggle'),
    ship: () => {
      throw new Error('unused');
    },
    watches: 0,
    latestAsked: 0,
    latestVersion: () => {
      p.latestAsked += 1;
      return Promise.reject(new Error('HTTP 500 Internal Server Error'));
    },
    push: () => Promise.reject(new Error('unused')),
    async *watch(): AsyncIterable<WatchEvent> {
      p.watches += 1;
      await Promise.resolve();
      if (p.watches === 1) {
        yield { type: 'status', status: 'complete' };
        return;
      }
      yield { type: 'status', status: 'running' };
      yield { type: 'log', stream: 'stdout', text: `[kaggle-run] start nonce=${nonce} run=r\n` };
      yield { type: 'log', stream: 'stdout', text: 'this run\n' };
      yield { type: 'status', status: 'complete' };
    },
    status: () => Promise.resolve({ status: 'complete' as const }),
    listOutputs: () => Promise.resolve([{ path: MANIFEST_FILE }]),
    download: async (_h: RunHandle, file: { path: string }, dest: string) => {
      await writeFile(
        dest,
        await (await import('node:fs/promises')).readFile(join(remote, file.path)),
      );
    },
  };
  return p;
}

void test("a terminal status before this run's log began is re-checked, not taken for its end", async (t) => {
  const root = await tempDir(t);
  const remote = join(root, 'remote');
  await mkdir(remote);
  const nonce = 'n-1';
  await writeFile(
    join(remote, MANIFEST_FILE),
    JSON.stringify({
      nonce,
      exitCode: 0,
      error: null,
      failedStep: null,
      startedAt: '',
      endedAt: '',
      durationSeconds: 0,
      pythonVersion: '3',
      acceleratorAsked: 'none',
      acceleratorSeen: { kind: 'none', names: [], count: 0 },
      files: [],
    }),
  );
  const store = new RunStore(root, {});
  const record = testRunRecord(root, {
    runId: 'r',
    version: 2,
    nonce,
    status: 'queued',
    step: 'pushed',
  });
  await store.create(record);
  const platform = staleFirstPlatform(remote, nonce);
  const events = [];
  for await (const e of finishRun({
    platform,
    handle: { platform: 'kaggle', kernel: 'me/k', version: 2, nonce },
    life: RunLifecycle.resume(store, record),
    staleDelayMs: 1,
  }))
    events.push(e);
  assert.equal(platform.watches, 2);
  assert.equal(platform.latestAsked, 1);
  assert.ok(
    events.some(
      (e) =>
        e.type === 'status' && e.status === 'unknown' && /earlier version/.test(e.message ?? ''),
    ),
  );
  assert.equal(record.status, 'complete');
  assert.deepEqual(
    (await store.readLog('r')).map((l) => l.text),
    [`[kaggle-run] start nonce=${nonce} run=r\n`, 'this run\n'],
  );
});

/** A platform whose run says RUNNING forever, as a stuck (or hostile) status would. */
function stuckPlatform(): Platform {
  return {
    name: 'kaggle',
    capabilities: capabilitiesOf('kaggle'),
    ship: () => {
      throw new Error('unused');
    },
    push: () => Promise.reject(new Error('unused')),
    async *watch(_handle: RunHandle, signal?: AbortSignal): AsyncIterable<WatchEvent> {
      yield { type: 'status', status: 'running' };
      await new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    },
    status: () => Promise.resolve({ status: 'running' as const }),
    listOutputs: () => Promise.resolve([]),
    download: () => Promise.reject(new Error('unused')),
  };
}

void test(
  'a run whose status never ends is given up at its timeout plus the margin',
  { timeout: 60_000 },
  async (t) => {
    const root = await tempDir(t);
    const store = new RunStore(root, {});
    const record = testRunRecord(root, {
      runId: 'stuck',
      version: 2,
      status: 'queued',
      step: 'pushed',
      timeoutSeconds: 1,
    });
    await store.create(record);
    const limit = await scaled(30_000); // on an idle machine, stretched by its slowness
    const started = Date.now();
    await assert.rejects(
      (async () => {
        for await (const _event of finishRun({
          platform: stuckPlatform(),
          handle: { platform: 'kaggle', kernel: 'me/k', version: 2, nonce: 'n' },
          life: RunLifecycle.resume(store, record),
          env: { KAGGLE_RUN_WAIT_MARGIN: '1' },
        }));
      })(),
      (e: unknown) =>
        e instanceof RunTimeoutError &&
        /within its timeout plus a 1 s margin \(2 s\)/.test(e.message),
    );
    const took = Date.now() - started;
    assert.ok(took >= 1_900 && took < limit, `gave up after ${took} ms`);
  },
);
