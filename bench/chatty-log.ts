// A chatty program: a million short lines (`step i loss=...`), run directly by python, then
// through `kaggle-run run` locally and through `run --kaggle` on a `kaggle-run server` (its
// own process), all in this one run. Prints wall time, lines per second shown (the CLI's
// output) and stored (the run's log.jsonl), the CLI's CPU time and peak RSS, and ratios to
// the direct run. Targets: --kaggle within 2x of the direct run's wall time, client CPU under
// the program's own.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPython } from '../src/platform/local/python.js';
import { packageRoot } from '../src/util/package-root.js';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);

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

const root = await mkdtemp(join(tmpdir(), 'kaggle-run-bench-chatty-'));
try {
  const python = (await findPython({ explicit: undefined, needNotebook: false })).command;
  const cli = join(packageRoot(), 'bin', 'kaggle-run.js');
  const project = join(root, 'project');
  await mkdir(project);
  const script = join(project, 'train.py');
  await writeFile(
    script,
    `for i in range(${LINES}):\n    print(f"step {i} loss={1.0 / (i + 1):.6f}")\n`,
  );
  await writeFile(join(project, 'kaggle-run.yaml'), 'name: chatty\nentry: train.py\n');
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
  const direct = await measure(python, out, [python, script], env);
  const rows: [string, Measured, number, number][] = [];

  const local = await measure(python, out, [process.execPath, cli, 'run', project], env);
  rows.push(['kaggle-run run (local)', local, await shownLines(out), await storedLines(project)]);
  await rm(join(project, '.kaggle-run'), { recursive: true, force: true });

  const server = await startServer(env, join(root, 'server'));
  try {
    const remote = await measure(
      python,
      out,
      [process.execPath, cli, 'run', project, '--kaggle', '--endpoint', server.url],
      env,
    );
    rows.push([
      'kaggle-run run --kaggle (server)',
      remote,
      await shownLines(out),
      await storedLines(project),
    ]);
  } finally {
    await server.stop();
  }

  const f = (n: number) => n.toFixed(2);
  console.log(`a program printing ${LINES.toLocaleString('en')} lines`);
  console.log(
    `  python directly                    ${f(direct.wall)} s wall, ${f(direct.cpu)} s CPU, ${direct.rssMiB.toFixed(0)} MiB`,
  );
  for (const [name, m, shown, stored] of rows) {
    console.log(
      `  ${name.padEnd(34)} ${f(m.wall)} s wall (${f(m.wall / direct.wall)}x), exit ${m.code}`,
    );
    console.log(
      `    lines shown ${shown.toLocaleString('en')} (${Math.round(shown / m.wall).toLocaleString('en')}/s), stored ${stored.toLocaleString('en')} (${Math.round(stored / m.wall).toLocaleString('en')}/s)`,
    );
    console.log(
      `    CLI CPU ${f(m.cpu)} s (${f(m.cpu / direct.cpu)}x the program's${name.includes('local') ? '; includes the program and the harness it runs' : ''}), peak RSS ${m.rssMiB.toFixed(0)} MiB`,
    );
  }
  const remote = rows[1]![1];
  console.log(
    `  targets: --kaggle wall within 2x ${remote.wall <= 2 * direct.wall ? 'met' : 'NOT met'}; client CPU under the program's ${remote.cpu < direct.cpu ? 'met' : 'NOT met'}`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
