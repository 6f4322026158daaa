// Sweep scheduling on `kaggle-run server` with a GPU session cap of 2: a 12-point sweep of
// a job that sleeps 2 s. The ideal makespan is 6 rounds x 2 s; the ratio shows what the
// scheduler and each run's overhead (push, session start, fetch) add. Target: within 10%.
// Also printed: the peak of concurrent sessions the server saw (must be 2, never more).
// Measured without a sandbox and, where bubblewrap works here, with each session in it.

import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { sandboxAvailable } from '../src/platform/local/sandbox.js';
import { startBenchServer } from './bench-server.js';
import { runSweep } from '../src/sweep/run-sweep.js';

const JOB_SECONDS = 2;
const POINTS = 12;
const CAP = 2;
const TARGET = 1.05;

async function measure(sandbox: 'none' | 'bwrap'): Promise<void> {
  const { root, server, env, close } = await startBenchServer({ gpuSessions: CAP, sandbox });
  try {
    const project = join(root, 'p');
    await mkdir(project);
    await writeFile(
      join(project, 'train.py'),
      `import json, os, time\ntime.sleep(${JOB_SECONDS})\njson.dump(json.loads(os.environ["KAGGLE_RUN_PARAMS"]), open("out.json", "w"))\n`,
    );
    await writeFile(
      join(project, 'kaggle-run.yaml'),
      `name: makespan\nentry: train.py\naccelerator: t4x2\nplatform: kaggle\nparams: {i: 0}\nsweep: {i: [${Array.from({ length: POINTS }, (_, i) => i).join(', ')}]}\n`,
    );
    // One point alone: what a round costs with no scheduling at all (push, session, fetch).
    let single = 0;
    for await (const event of runSweep({
      dir: project,
      endpoint: server.url,
      env,
      sweepFlags: ['i=99'],
    })) {
      if (event.type === 'done') single = event.result.makespanSeconds;
    }
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, server.stats().sessionsRunning)), 10);
    let makespan = 0;
    let complete = 0;
    for await (const event of runSweep({ dir: project, endpoint: server.url, env })) {
      if (event.type === 'done') {
        makespan = event.result.makespanSeconds;
        complete = event.result.records.filter((r) => r?.status === 'complete').length;
      }
    }
    clearInterval(sampler);
    // Python start-up dominates what is left per round, and it slows with the machine's load.
    const load = loadavg().map((l) => l.toFixed(2));
    const rounds = POINTS / CAP;
    const ideal = rounds * JOB_SECONDS;
    const ratio = makespan / ideal;
    console.log(
      `sandbox ${sandbox}: ${POINTS}-point sweep of a ${JOB_SECONDS} s job, cap ${CAP}: makespan ${makespan.toFixed(2)} s vs ideal ${ideal.toFixed(1)} s (${rounds} rounds x ${JOB_SECONDS} s): ratio ${ratio.toFixed(3)} (target <= ${TARGET}: ${ratio <= TARGET ? 'met' : 'MISSED'}); ${complete}/${POINTS} complete; peak sessions ${peak}`,
    );
    console.log(
      `  one point alone takes ${single.toFixed(2)} s end to end: ${rounds} such rounds = ${(rounds * single).toFixed(2)} s, ratio ${(makespan / (rounds * single)).toFixed(3)} (the scheduler's own share)`,
    );
    console.log(`  load average ${load.join(' ')} (1, 5, 15 min)`);
  } finally {
    await close();
  }
}

await measure('none');
if (await sandboxAvailable(process.env, true)) await measure('bwrap');
else console.log('sandbox bwrap: bubblewrap does not work here; not measured');
