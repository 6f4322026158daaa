// The remote path's own cost, on `kaggle-run server` with no faults: time from the start of
// a `run --kaggle` to verified outputs for a no-op job, minus the kernel's own run time (the
// orchestration overhead), and the delay between the kernel finishing and the client
// knowing. Targets: overhead under 1 s, detection under 1 s.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runJob } from '../src/run/run-job.js';
import { startBenchServer } from './bench-server.js';
import type { Manifest } from '../src/manifest.js';
import { median, ms } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const { root, server, env, close } = await startBenchServer();
try {
  const project = join(root, 'project');
  await (await import('node:fs/promises')).mkdir(project);
  await writeFile(join(project, 'noop.py'), 'pass\n');
  await writeFile(
    join(project, 'kaggle-run.yaml'),
    'name: noop\nentry: noop.py\nplatform: kaggle\n',
  );

  const overheads: number[] = [];
  const detections: number[] = [];
  const totals: number[] = [];
  for (let i = 0; i < ROUNDS + 1; i++) {
    const start = performance.now();
    const startWall = Date.now();
    let knewAt = 0;
    let runDir = '';
    for await (const event of runJob({ dir: project, endpoint: server.url, env })) {
      if (event.type === 'status' && ['complete', 'error'].includes(event.status))
        knewAt = Date.now();
      if (event.type === 'done') runDir = join(project, '.kaggle-run', 'runs', event.record.runId);
    }
    const total = performance.now() - start;
    const manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as Manifest;
    if (i === 0) continue; // warm-up
    totals.push(total);
    overheads.push(total - manifest.durationSeconds * 1000);
    detections.push(knewAt - Date.parse(manifest.endedAt));
    void startWall;
  }
  const overhead = median(overheads);
  const detection = median(detections);
  console.log(`no-op job on kaggle-run server (no faults), median of ${ROUNDS}`);
  console.log(`  start to verified outputs   ${ms(median(totals))}`);
  console.log(
    `  orchestration overhead      ${ms(overhead)} (total minus the kernel's own run time)`,
  );
  console.log(
    `  finish detection delay      ${ms(detection)} (manifest end to terminal status at the client)`,
  );
  console.log(
    `  targets: overhead < 1000 ms ${overhead < 1000 ? 'met' : 'NOT met'}; detection < 1000 ms ${detection < 1000 ? 'met' : 'NOT met'}`,
  );
} finally {
  await close();
}
