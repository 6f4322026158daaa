// A chatty program: a million short lines (`step i loss=...`), run directly by python, then
// through `kaggle-run run` locally and through `run --kaggle` on a `kaggle-run server` (its
// own process), all in this one run, taking turns, BENCH_RUNS times (medians). Prints wall
// time, lines per second shown (the CLI's output) and stored (the run's log.jsonl), the
// client's own CPU time and peak RSS (the CLI's node process alone, not what it runs), and
// ratios to the direct run; the client's peak RSS again for twice the lines says whether
// memory stays flat (V8's heap grows for the first few hundred thousand lines, then holds). Targets, both paths: within 2x of the direct run's wall time, client CPU
// under the program's own, RSS flat.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findPython } from '../src/platform/local/python.js';
import { packageRoot } from '../src/util/package-root.js';
import { loadLine, median } from './stats.js';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** Loaded into the CLI (node --import): its own CPU time and peak RSS, written at exit. */
const SELF_MEASURE = `
import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  const u = process.resourceUsage();
  writeFileSync(process.env.BENCH_SELF_OUT, JSON.stringify({
    cpu: (u.userCPUTime + u.systemCPUTime) / 1e6,
    rssMiB: u.maxRSS / 1024,
  }));
});
`;

/** Runs a command under python's getrusage: wall seconds, CPU seconds, peak RSS (MiB). */
const MEASURE = `
import json, resource, subprocess, sys, time
out = open(sys.argv[1], 'wb')
t = time.time()
code = subprocess.call(sys.argv[2:], stdout=out, stderr=subprocess.STDOUT)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({'code': code, 'wall': time.time() - t, 'cpu': r.ru_utime + r.ru_stime, 'rssMiB': r.ru_maxrss / 1024}))
`;

interface Measured {
  code: number;
  wall: number;
  cpu: number;
  rssMiB: number;
  /** The CLI's node process alone (SELF_MEASURE); absent for the direct run. */
  self?: { cpu: number; rssMiB: number };
}

function measure(
  python: string,
  outFile: string,
  command: string[],
  env: NodeJS.ProcessEnv,
): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', MEASURE, outFile, ...command], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(text) as Measured);
      } catch {
        reject(new Error(`measuring ${command.join(' ')} failed: ${text}`));
      }
    });
  });
}

async function storedLines(project: string): Promise<number> {
  const runs = join(project, '.kaggle-run', 'runs');
  const [run] = await readdir(runs);
  const text = await readFile(join(runs, run!, 'log.jsonl'), 'utf8');
  return text.split('\n').filter((line) => line.includes('"text":"step ')).length;
}

async function shownLines(outFile: string): Promise<number> {
  const text = await readFile(outFile, 'utf8');
  return text.split('\n').filter((line) => line.startsWith('step ')).length;
}

async function startServer(
  env: NodeJS.ProcessEnv,
  dataDir: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const cli = join(packageRoot(), 'bin', 'kaggle-run.js');
  const child = spawn(process.execPath, [cli, 'server', '--port', '0', '--data-dir', dataDir], {
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = /^listening on (\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error('the server did not start')));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs the CLI with SELF_MEASURE loaded; what the CLI and its children used, and its own. */
async function measureCli(
  python: string,
  outFile: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  root: string,
): Promise<Measured> {
  const selfOut = join(root, 'self.json');
  const preload = join(root, 'self-measure.mjs');
  await writeFile(preload, SELF_MEASURE);
  const cli = join(packageRoot(), 'bin', 'kaggle-run.js');
  const m = await measure(
    python,
    outFile,
    [process.execPath, '--import', pathToFileURL(preload).href, cli, ...args],
    {
      ...env,
      BENCH_SELF_OUT: selfOut,
    },
  );
  const self = JSON.parse(await readFile(selfOut, 'utf8')) as { cpu: number; rssMiB: number };
  return { ...m, self };
}

function medianOf(samples: Measured[]): Measured {
  const pick = (f: (m: Measured) => number) => median(samples.map(f));
  return {
    code: Math.max(...samples.map((m) => m.code)),
    wall: pick((m) => m.wall),
    cpu: pick((m) => m.cpu),
    rssMiB: pick((m) => m.rssMiB),
    self: { cpu: pick((m) => m.self?.cpu ?? 0), rssMiB: pick((m) => m.self?.rssMiB ?? 0) },
  };
}

async function writeProject(project: string, lines: number): Promise<string> {
  await mkdir(project, { recursive: true });
  const script = join(project, 'train.py');
  await writeFile(
    script,
    `for i in range(${lines}):\n    print(f"step {i} loss={1.0 / (i + 1):.6f}")\n`,
  );
  await writeFile(join(project, 'kaggle-run.yaml'), 'name: chatty\nentry: train.py\n');
  return script;
}

const root = await mkdtemp(join(tmpdir(), 'kaggle-run-bench-chatty-'));
try {
  const python = (await findPython({ explicit: undefined, needNotebook: false })).command;
  const project = join(root, 'project');
  const double = join(root, 'double');
  const script = await writeProject(project, LINES);
  await writeProject(double, 2 * LINES);
  const env = {
    ...process.env,
    CI: 'true',
    NO_COLOR: '1',
    HOME: root,
    KAGGLE_CONFIG_DIR: root,
    KAGGLE_USERNAME: 'bench',
    KAGGLE_KEY: 'bench-key',
    KAGGLE_API_TOKEN: '',
    KAGGLE_RUN_PYTHON: python,
  };
  const out = join(root, 'out.txt');
  const server = await startServer(env, join(root, 'server'));
  const paths = [
    { name: 'kaggle-run run (local)', args: [] as string[] },
    { name: 'kaggle-run run --kaggle (server)', args: ['--kaggle', '--endpoint', server.url] },
  ];
  const load = loadLine();
  const direct: Measured[] = [];
  const samples = paths.map(() => [] as Measured[]);
  const shown = paths.map(() => 0);
  const stored = paths.map(() => 0);
  const doubleRss = paths.map(() => 0);
  try {
    for (let run = 0; run < RUNS; run++) {
      direct.push(await measure(python, out, [python, script], env));
      for (const [i, path] of paths.entries()) {
        await rm(join(project, '.kaggle-run'), { recursive: true, force: true });
        samples[i]!.push(await measureCli(python, out, ['run', project, ...path.args], env, root));
        shown[i] = await shownLines(out);
        stored[i] = await storedLines(project);
      }
    }
    for (const [i, path] of paths.entries()) {
      const m = await measureCli(python, out, ['run', double, ...path.args], env, root);
      doubleRss[i] = m.self?.rssMiB ?? 0;
    }
  } finally {
    await server.stop();
  }

  const f = (n: number) => n.toFixed(2);
  const d = medianOf(direct);
  console.log(
    `a program printing ${LINES.toLocaleString('en')} lines, medians of ${RUNS} runs; ${load}`,
  );
  console.log(
    `  python directly                    ${f(d.wall)} s wall, ${f(d.cpu)} s CPU, ${d.rssMiB.toFixed(0)} MiB`,
  );
  const verdicts: string[] = [];
  for (const [i, path] of paths.entries()) {
    const m = medianOf(samples[i]!);
    const self = m.self!;
    console.log(
      `  ${path.name.padEnd(34)} ${f(m.wall)} s wall (${f(m.wall / d.wall)}x), exit ${m.code}`,
    );
    console.log(
      `    lines shown ${shown[i]!.toLocaleString('en')} (${Math.round(shown[i]! / m.wall).toLocaleString('en')}/s), stored ${stored[i]!.toLocaleString('en')} (${Math.round(stored[i]! / m.wall).toLocaleString('en')}/s)`,
    );
    console.log(
      `    client CPU ${f(self.cpu)} s (${f(self.cpu / d.cpu)}x the program's), client peak RSS ${self.rssMiB.toFixed(0)} MiB (${doubleRss[i]!.toFixed(0)} MiB for twice the lines)`,
    );
    console.log(
      `    rusage of the CLI and the children it reaped: ${f(m.cpu)} s CPU, peak RSS ${m.rssMiB.toFixed(0)} MiB`,
    );
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    verdicts.push(
      `  ${path.name}: wall within 2x ${met(m.wall <= 2 * d.wall)}; client CPU under the program's ${met(self.cpu < d.cpu)}; RSS flat (under 1.25x for twice the lines) ${met(doubleRss[i]! < 1.25 * self.rssMiB)}`,
    );
  }
  console.log('targets:');
  for (const v of verdicts) console.log(v);
} finally {
  await rm(root, { recursive: true, force: true });
}
