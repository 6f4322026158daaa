// Chaos: many runs of a job with several MB of outputs against a kaggle-run server that
// injects faults (429, 5xx, dropped connections, slow answers, truncated downloads, queued
// kernels, phantom 404s). Every run must end complete, with every output byte-identical to
// what the kernel wrote, and exactly one push per run.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KaggleApiPlatform } from '../../src/kaggle/kaggle-platform.js';
import type { FaultSettings } from '../../src/server/faults.js';
import type { RunRecord } from '../../src/run/record.js';
import { runJob } from '../../src/run/run-job.js';
import { kaggleEnv, startTestServer, tempDir } from '../server/helpers.js';
import { pool, sumValues, verifyOutputs, within, writeChaosProject } from './helpers.js';

// Three runs at a time share the server, so which request draws which fault depends on how
// their requests interleave: the seed fixes the fault stream, not each run's share of it.
const PARALLEL = 3;
const RUN_LIMIT_MS = 60_000;

interface Totals {
  runs: number;
  retries: number;
  retriesByOperation: Record<string, number>;
  bytesVerified: number;
}

async function chaosRuns(
  t: TestContext,
  label: string,
  faults: string | Partial<FaultSettings>,
  faultSeed: number,
  runs: number,
): Promise<void> {
  const server = await startTestServer(t, { faults, faultSeed });
  const env = await kaggleEnv(t);
  const root = await tempDir(t);
  const totals: Totals = { runs: 0, retries: 0, retriesByOperation: {}, bytesVerified: 0 };

  const records = await pool(
    Array.from({ length: runs }, (_, i) => i),
    PARALLEL,
    async (i) => {
      const name = `chaos-${label}-${i}`;
      const dir = join(root, name);
      await mkdir(dir);
      await writeChaosProject(dir, name, faultSeed * 1000 + i);
      // The real Kaggle platform on the server's URL; built here only to see its retries.
      const platform = new KaggleApiPlatform({
        endpoint: server.url,
        env,
        onRetry: (info) => {
          totals.retries += 1;
          totals.retriesByOperation[info.operation] =
            (totals.retriesByOperation[info.operation] ?? 0) + 1;
        },
      });
      const run = async (): Promise<RunRecord> => {
        let done: RunRecord | undefined;
        for await (const event of runJob({
          dir,
          env,
          endpoint: server.url,
          platform: 'kaggle',
          platformInstance: platform,
        })) {
          if (event.type === 'done') done = event.record;
        }
        assert.ok(done !== undefined, `${name}: no done event`);
        return done;
      };
      const record = await within(RUN_LIMIT_MS, `run ${name}`, run());
      totals.bytesVerified += await verifyOutputs(record, server.dataDir);
      totals.runs += 1;
      return record;
    },
  );

  const stats = server.stats();
  for (const record of records) {
    assert.equal(stats.pushes[record.kernel ?? ''], 1, `${record.kernel}: exactly one push`);
    assert.equal(record.version, 1);
  }
  assert.equal(sumValues(stats.pushes), runs, JSON.stringify(stats.pushes));
  assert.ok(sumValues(stats.faults) > 0, 'faults were injected');
  const summary = {
    config: label,
    faults,
    faultSeed,
    runs: totals.runs,
    pushes: sumValues(stats.pushes),
    faultsInjected: stats.faults,
    faultsTotal: sumValues(stats.faults),
    retries: totals.retries,
    retriesByOperation: totals.retriesByOperation,
    requests: stats.requestsTotal,
    bytesServed: stats.bytesServed,
    bytesVerified: totals.bytesVerified,
  };
  t.diagnostic(`chaos totals: ${JSON.stringify(summary)}`);
  console.log(`chaos totals: ${JSON.stringify(summary)}`);
}

void test('chaos: 20 runs through 20% faults of every kind end complete and verified', async (t) => {
  await chaosRuns(t, 'all', '0.2', 20261123, 20);
});

void test('chaos: 10 runs through truncated downloads, queued kernels and slow answers', async (t) => {
  await chaosRuns(
    t,
    'trunc',
    { rates: { truncate: 0.35, queue: 0.3, slow: 0.2 }, queueDelayMs: 1500, slowMs: 200 },
    4242,
    10,
  );
});
