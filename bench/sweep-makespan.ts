// Sweep scheduling on `kaggle-run server` with a GPU session cap of 2: a 12-point sweep of
// a job that sleeps 2 s. The ideal makespan is 6 rounds x 2 s; the ratio shows what the
// scheduler and each run's overhead (push, session start, fetch) add. Target: within 5%.
// Also printed: the peak of concurrent sessions the server saw (must be 2, never more), and
// a timeline of one sweep, point by point, so that where a round loses time is visible.
// Measured without a sandbox and, where bubblewrap works here, with each session in it.
// SWEEP_RUNS sets how many sweeps of each kind the medians are taken over (default 3).

import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { resolveJob } from '../src/config/resolve.js';
import { createPlatform } from '../src/platform/create-platform.js';
import type { Platform } from '../src/platform/platform.js';
import type { RunRecord, RunTimings } from '../src/run/record.js';
import { sandboxAvailable } from '../src/platform/local/sandbox.js';
import { isTerminal } from '../src/platform/platform.js';
import { runSweep } from '../src/sweep/run-sweep.js';
import { findPython } from '../src/platform/local/python.js';
import { startBenchServer } from './bench-server.js';
import { loadLine, median } from './stats.js';

const JOB_SECONDS = 2;
const POINTS = 12;
const CAP = 2;
const TARGET = 1.05;
const run = promisify(execFile);
const RUNS = Math.max(1, Number(process.env['SWEEP_RUNS'] ?? 3) || 3);

/** What one point went through, in ms since the sweep began (NaN: not seen). */
interface Timeline {
  label: string;
  /** The point's run made (its record written), and its code packed. */
  made: number;
  packed: number;
  pushSent: number;
  pushAnswered: number;
  sessionStarted: number;
  firstLine: number;
  programStart: number;
  programEnd: number;
  sessionEnded: number;
  noticed: number;
  fetched: number;
  /** The run record's own account (record.timings), in seconds. */
  timings: RunTimings | null;
}

interface SweepFigures {
  makespan: number;
  complete: number;
  peak: number;
  timelines: Timeline[];
}

/** Every call to push, timed by kernel slug (the sweep gives each point a kernel of its own). */
function timedPlatform(platform: Platform, pushes: Map<string, [number, number]>): Platform {
  return new Proxy(platform, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (key !== 'push' || typeof value !== 'function') return value;
      return async (...args: Parameters<Platform['push']>) => {
        const sent = Date.now();
        const handle = await target.push(...args);
        pushes.set(args[0].slug, [sent, Date.now()]);
        return handle;
      };
    },
  });
}

const NAN = Number.NaN;

async function sweepOnce(
  project: string,
  server: { url: string; dataDir: string; stats: () => { sessionsRunning: number } },
  env: NodeJS.ProcessEnv,
  sweepFlags?: string[],
): Promise<SweepFigures> {
  const { job } = await resolveJob(project, { endpoint: server.url }, env);
  const pushes = new Map<string, [number, number]>();
  const platform = timedPlatform(await createPlatform(job, env, () => undefined), pushes);
  const seen = new Map<number, Partial<Timeline> & { slug: string; label: string }>();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, server.stats().sessionsRunning)), 5);
  let makespan = 0;
  let complete = 0;
  const started = Date.now();
  let records: (RunRecord | null)[] = [];
  for await (const event of runSweep({
    dir: project,
    endpoint: server.url,
    env,
    platformInstance: platform,
    ...(sweepFlags === undefined ? {} : { sweepFlags }),
  })) {
    if (event.type === 'point-event') {
      const at = Date.now() - started;
      const { point, event: e } = event;
      const line = seen.get(point.index) ?? { slug: point.kernelSlug, label: point.label };
      seen.set(point.index, line);
      if (e.type === 'resolved') line.made = at;
      else if (e.type === 'packed') line.packed = at;
      else if (e.type === 'log') line.firstLine ??= at;
      else if (e.type === 'status' && isTerminal(e.status)) line.noticed ??= at;
      else if (e.type === 'done') line.fetched = at;
    } else if (event.type === 'done') {
      makespan = event.result.makespanSeconds;
      complete = event.result.records.filter((r) => r?.status === 'complete').length;
      records = event.result.records;
    }
  }
  clearInterval(sampler);
  const timelines: Timeline[] = [];
  for (const [index, line] of [...seen.entries()].sort((a, b) => a[0] - b[0])) {
    const push = pushes.get(line.slug);
    const rel = (ms: number | undefined) => (ms === undefined ? NAN : ms - started);
    // The job's own clock (time.time(), the same wall clock as Date.now() here).
    const times = await readFile(join(records[index]?.outputDir ?? '', 'out.json'), 'utf8')
      .then((text) => JSON.parse(text) as { t0?: number; t1?: number })
      .catch((): { t0?: number; t1?: number } => ({}));
    const kernel = await readFile(
      join(server.dataDir, 'kernels', 'bench', line.slug, 'kernel.json'),
      'utf8',
    )
      .then(
        (text) =>
          (JSON.parse(text) as { versions: { startedAt?: string; endedAt?: string }[] }).versions,
      )
      .catch(() => []);
    const version = kernel.at(-1);
    const parsed = (iso: string | undefined) => (iso === undefined ? NAN : Date.parse(iso));
    timelines.push({
      label: line.label,
      made: line.made ?? NAN,
      packed: line.packed ?? NAN,
      pushSent: rel(push?.[0]),
      pushAnswered: rel(push?.[1]),
      sessionStarted: rel(parsed(version?.startedAt)),
      firstLine: line.firstLine ?? NAN,
      programStart: times.t0 === undefined ? NAN : rel(times.t0 * 1000),
      programEnd: times.t1 === undefined ? NAN : rel(times.t1 * 1000),
      sessionEnded: rel(parsed(version?.endedAt)),
      noticed: line.noticed ?? NAN,
      fetched: line.fetched ?? NAN,
      timings: records[index]?.timings ?? null,
    });
  }
  return { makespan, complete, peak, timelines };
}

const s = (ms: number) => (Number.isNaN(ms) ? '    -' : (ms / 1000).toFixed(2).padStart(5));

function printTimeline(timelines: Timeline[]): void {
  console.log(
    '  timeline (s since the sweep began; the slot is freed when the end is noticed):\n' +
      '  point    made packed  push>  answer session  1st-line  prog>  <prog  s-end  noticed fetched | gaps: push>prog  prog>noticed  slot-freed>push',
  );
  // The (k + CAP)th push takes the slot freed (k)th, whichever point freed it.
  const byPush = [...timelines].sort((a, b) => a.pushSent - b.pushSent);
  const frees = timelines.map((t) => t.noticed).sort((a, b) => a - b);
  for (const t of timelines) {
    const freed = frees[byPush.indexOf(t) - CAP];
    console.log(
      `  ${t.label.padEnd(6).slice(0, 6)} ${s(t.made)}  ${s(t.packed)}  ${s(t.pushSent)}  ${s(t.pushAnswered)}  ${s(t.sessionStarted)}    ${s(t.firstLine)}  ${s(t.programStart)}  ${s(t.programEnd)}  ${s(t.sessionEnded)}  ${s(t.noticed)}   ${s(t.fetched)} |        ${s(t.programStart - t.pushSent)}         ${s(t.noticed - t.programEnd)}          ${freed === undefined ? '    -' : s(t.pushSent - freed)}`,
    );
  }
  const gap = (f: (t: Timeline) => number) =>
    (median(timelines.map(f).filter((v) => !Number.isNaN(v))) / 1000).toFixed(3);
  console.log(
    `  medians: push sent > program start ${gap((t) => t.programStart - t.pushSent)} s (push ${gap((t) => t.pushAnswered - t.pushSent)}, answer > session ${gap((t) => t.sessionStarted - t.pushAnswered)}, session > program ${gap((t) => t.programStart - t.sessionStarted)}); program end > session end ${gap((t) => t.sessionEnded - t.programEnd)} s; session end > noticed ${gap((t) => t.noticed - t.sessionEnded)} s; noticed > fetched ${gap((t) => t.fetched - t.noticed)} s`,
  );
  const part = (name: keyof RunTimings) =>
    gap((t) => (typeof t.timings?.[name] === 'number' ? t.timings[name] * 1000 : NAN));
  console.log(
    `  the harness's own account (medians): start ${part('startSeconds')} s (its start ${part('harnessStartSeconds')}, unpack ${part('unpackSeconds')}, manifest ${part('manifestSeconds')}), program ${part('programSeconds')} s`,
  );
}

/**
 * Median wall time of `python -c pass` with the interpreter sessions get, the binary itself
 * (the server starts it without a launcher in front), over five runs.
 */
async function pythonStartSeconds(): Promise<number> {
  const python = (await findPython({ explicit: undefined, needNotebook: false })).executable;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await run(python, ['-c', 'pass']);
    times.push((performance.now() - started) / 1000);
  }
  return median(times);
}

async function measure(sandbox: 'none' | 'bwrap'): Promise<void> {
  const { root, server, env, close } = await startBenchServer({ gpuSessions: CAP, sandbox });
  try {
    const project = join(root, 'p');
    await mkdir(project);
    await writeFile(
      join(project, 'train.py'),
      `import json, os, time\nt0 = time.time()\nprint("start", flush=True)\ntime.sleep(${JOB_SECONDS})\nparams = json.loads(os.environ["KAGGLE_RUN_PARAMS"])\njson.dump({"params": params, "t0": t0, "t1": time.time()}, open("out.json", "w"))\n`,
    );
    await writeFile(
      join(project, 'kaggle-run.yaml'),
      `name: makespan\nentry: train.py\naccelerator: t4x2\nplatform: kaggle\noutputs: [out.json]\nparams: {i: 0}\nsweep: {i: [${Array.from({ length: POINTS }, (_, i) => i).join(', ')}]}\n`,
    );
    // One point alone: what a round costs with no scheduling at all (push, session, fetch).
    const singles: number[] = [];
    const sweeps: SweepFigures[] = [];
    for (let run = 0; run < RUNS; run++) {
      singles.push((await sweepOnce(project, server, env, [`i=${100 + run}`])).makespan);
      sweeps.push(await sweepOnce(project, server, env));
    }
    const rounds = POINTS / CAP;
    const ideal = rounds * JOB_SECONDS;
    const makespans = sweeps.map((f) => f.makespan);
    const makespan = median(makespans);
    const single = median(singles);
    const ratio = makespan / ideal;
    const complete = Math.min(...sweeps.map((f) => f.complete));
    const peak = Math.max(...sweeps.map((f) => f.peak));
    console.log(
      `sandbox ${sandbox}: ${POINTS}-point sweep of a ${JOB_SECONDS} s job, cap ${CAP}: median makespan ${makespan.toFixed(2)} s of ${RUNS} (${makespans.map((m) => m.toFixed(2)).join(', ')}) vs ideal ${ideal.toFixed(1)} s (${rounds} rounds x ${JOB_SECONDS} s): ratio ${ratio.toFixed(3)} (target <= ${TARGET}: ${ratio <= TARGET ? 'met' : 'MISSED'}); ${complete}/${POINTS} complete; peak sessions ${peak}${peak > CAP ? ' (OVER THE CAP)' : ''}`,
    );
    console.log(
      `  one point alone takes ${single.toFixed(2)} s end to end (median): ${rounds} such rounds = ${(rounds * single).toFixed(2)} s, ratio ${(makespan / (rounds * single)).toFixed(3)} (the scheduler's own share)`,
    );
    // What no scheduler can save: the program's own Python start and exit, once per round.
    const start = await pythonStartSeconds();
    const floor = rounds * (JOB_SECONDS + start);
    console.log(
      `  the program's own Python start and exit (python -c pass, median of 5) is ${start.toFixed(3)} s: ${rounds} rounds of it and the job = ${floor.toFixed(2)} s, ratio ${(floor / ideal).toFixed(3)} before kaggle-run adds anything; the makespan is ${(makespan / floor).toFixed(3)} of that`,
    );
    // The timeline of the median sweep.
    const middle = [...sweeps].sort(
      (a, b) => Math.abs(a.makespan - makespan) - Math.abs(b.makespan - makespan),
    )[0]!;
    printTimeline(middle.timelines);
    console.log(`  ${loadLine()}`);
  } finally {
    await close();
  }
}

await measure('none');
if (await sandboxAvailable(process.env, true)) await measure('bwrap');
else console.log('sandbox bwrap: bubblewrap does not work here; not measured');
