// Memory while fetching big outputs (the server runs in this process too, so its side of
// the transfer is counted as well): a kernel on `kaggle-run server` writes files of
// 64 MB and 512 MB; the client downloads, resumes and verifies them. Peak RSS growth is
// printed against the output size: it should stay flat (a small constant), not grow with
// the files. Baseline: the same process's RSS before the run.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runJob } from '../src/run/run-job.js';
import { startBenchServer } from './bench-server.js';

const { root, server, env, close } = await startBenchServer();
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;
try {
  for (const sizeMb of [64, 512]) {
    const project = join(root, `p${sizeMb}`);
    await mkdir(project);
    await writeFile(
      join(project, 'big.py'),
      `import os\nwith open("big.bin", "wb") as f:\n    for _ in range(${sizeMb}):\n        f.write(os.urandom(1 << 20))\n`,
    );
    await writeFile(
      join(project, 'kaggle-run.yaml'),
      `name: big${sizeMb}\nentry: big.py\nplatform: kaggle\n`,
    );
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const start = performance.now();
    let bytes = 0;
    for await (const event of runJob({ dir: project, endpoint: server.url, env })) {
      if (event.type === 'done') bytes = event.record.outputs.reduce((sum, o) => sum + o.size, 0);
    }
    clearInterval(sampler);
    const seconds = (performance.now() - start) / 1000;
    console.log(
      `${mb(bytes)} of outputs fetched and verified in ${seconds.toFixed(1)} s: peak RSS growth ${mb(peak - before)} (${(((peak - before) / bytes) * 100).toFixed(1)}% of the output size)`,
    );
  }
} finally {
  await close();
}
