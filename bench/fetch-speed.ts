// Fetch speed: a kernel on `kaggle-run server` writes 1 x 512 MiB and 2,000 x 50 KB
// outputs; the client fetches them (listing, manifest checked, each file size- and
// sha256-verified, renamed into place) against `curl` downloading the same signed URLs to
// disk (one process, connections reused, no checks) with as many transfers in flight as the
// client has (`--parallel --parallel-max 16`). Both run as child processes, alternated, so
// their wall and CPU times (user + system, from /proc) are measured alike and apart from the
// server's, which runs in this process. The client's CPU is also split into node's start and
// module loading, and the fetch itself. Prints medians and ratios; asserts nothing.
// Both write where os.tmpdir() is: `TMPDIR=/dev/shm` takes the disk out of the figure (on an
// ext4 disk with online discard, creating a file costs 0.1-1 ms of kernel CPU, and which it
// is changes from one minute to the next, for both tools alike).
//   node dist/bench/fetch-speed.js   (FETCH_BIG_MIB=0 or FETCH_SMALL_FILES=0: one part alone)

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectKaggle } from '../src/kaggle/client.js';
import { DEFAULT_CONCURRENCY } from '../src/run/fetch-outputs.js';
import { runJob } from '../src/run/run-job.js';
import { startBenchServer } from './bench-server.js';
import { loadLine, median } from './stats.js';

// FETCH_BIG_MIB / FETCH_SMALL_FILES change the mix (0 leaves a part out), to see each alone.
const BIG_MIB = Number(process.env.FETCH_BIG_MIB ?? 512);
const SMALL_FILES = Number(process.env.FETCH_SMALL_FILES ?? 2000);
const SMALL_BYTES = 50_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** curl gets as many transfers in flight as the client has. */
const IN_FLIGHT = DEFAULT_CONCURRENCY;
const TIME_TARGET = 1.1;
const CPU_TARGET = 2;

const run = promisify(execFile);
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds used by this process's waited-for children so far (cutime + cstime). */
function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the name start at 3 (state); cutime and cstime are fields 16 and 17.
  return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / TICKS_PER_SECOND;
}

interface Measured {
  wall: number;
  /** The child's CPU seconds. */
  cpu: number;
  /** This process's CPU seconds meanwhile: the server's, which answers both tools alike. */
  serverCpu: number;
}

async function measured(work: () => Promise<unknown>): Promise<Measured> {
  const cpu = childCpuSeconds();
  const own = process.cpuUsage();
  const start = performance.now();
  await work();
  const server = process.cpuUsage(own);
  return {
    wall: (performance.now() - start) / 1000,
    cpu: childCpuSeconds() - cpu,
    serverCpu: (server.user + server.system) / 1e6,
  };
}

const script = `import os
os.makedirs("small", exist_ok=True)
for i in range(${SMALL_FILES}):
    with open(f"small/f{i:04d}.bin", "wb") as f:
        f.write(os.urandom(${SMALL_BYTES}))
with open("big.bin", "wb") as f:
    for _ in range(${BIG_MIB}):
        f.write(os.urandom(1 << 20))
`;

const bench = await startBenchServer({ sandbox: 'none' });
try {
  const project = join(bench.root, 'project');
  await mkdir(project);
  await writeFile(join(project, 'outputs.py'), script);
  await writeFile(
    join(project, 'kaggle-run.yaml'),
    'name: fetchspeed\nentry: outputs.py\nplatform: kaggle\n',
  );
  let kernel = '';
  let nonce = '';
  for await (const event of runJob({ dir: project, endpoint: bench.server.url, env: bench.env })) {
    if (event.type === 'done') {
      if (event.record.status !== 'complete') throw new Error(`run ${event.record.status}`);
      kernel = event.record.kernel ?? '';
      nonce = event.record.nonce;
    }
  }
  const [owner = '', slug = ''] = kernel.split('/');
  const client = await connectKaggle({ endpoint: bench.server.url, env: bench.env });
  const listing = await client.kernels.listKernelSessionOutput(owner, slug);
  const curlDir = join(bench.root, 'curl');
  const config = join(bench.root, 'curl.cfg');
  await writeFile(
    config,
    listing.files
      .map(
        (f) =>
          `url = ${JSON.stringify(f.url)}\noutput = ${JSON.stringify(join(curlDir, f.fileName))}\n`,
      )
      .join(''),
  );
  const clientScript = fileURLToPath(new URL('./fetch-client.js', import.meta.url));
  const outDir = join(bench.root, 'fetched', 'out');
  const ours: Measured[] = [];
  const curls: Measured[] = [];
  const splits: { startCpu: number; fetchCpu: number }[] = [];
  let fetched = { files: 0, bytes: 0 };
  /**
   * Both start from the same disk: the last round's files deleted and the deletion written out
   * (`sync`). On this kind of disk (ext4 with online discard) creating files right after
   * deleting a gigabyte is several times slower, which the one measured second paid alone.
   */
  const cleanSlate = async () => {
    await rm(curlDir, { recursive: true, force: true });
    await rm(outDir, { recursive: true, force: true });
    await run('sync');
  };
  const viaCurl = async () => {
    await cleanSlate();
    curls.push(
      await measured(() =>
        run(
          'curl',
          [
            '-sSf',
            '--create-dirs',
            '--parallel',
            '--parallel-max',
            String(IN_FLIGHT),
            '--no-progress-meter',
            '-K',
            config,
          ],
          { maxBuffer: 1 << 20 },
        ),
      ),
    );
  };
  const viaClient = async () => {
    await cleanSlate();
    ours.push(
      await measured(async () => {
        const answer = (
          await run(
            process.execPath,
            [
              ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/fprof'] : []),
              clientScript,
              bench.server.url,
              kernel,
              nonce,
              outDir,
            ],
            {
              env: bench.env,
            },
          )
        ).stdout;
        const report = JSON.parse(answer) as typeof fetched & (typeof splits)[number];
        fetched = { files: report.files, bytes: report.bytes };
        splits.push({ startCpu: report.startCpu, fetchCpu: report.fetchCpu });
      }),
    );
  };
  // Turns taken in both orders, so neither always runs on a disk the other just wrote.
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) {
      await viaCurl();
      await viaClient();
    } else {
      await viaClient();
      await viaCurl();
    }
  }
  await cleanSlate();
  const wall = (xs: { wall: number }[]) => median(xs.map((x) => x.wall));
  const cpu = (xs: { cpu: number }[]) => median(xs.map((x) => x.cpu));
  const timeRatio = wall(ours) / wall(curls);
  const cpuRatio = cpu(ours) / cpu(curls);
  const mibps = (seconds: number) =>
    ((BIG_MIB * 1048576 + SMALL_FILES * SMALL_BYTES) / 1048576 / seconds).toFixed(0);
  console.log(
    `fetch of 1 x ${BIG_MIB} MiB + ${SMALL_FILES} x ${SMALL_BYTES / 1000} KB (${listing.files.length} files, median of ${ROUNDS}, fetched ${fetched.files} files, ${fetched.bytes} bytes):`,
  );
  console.log(
    `  kaggle-run ${wall(ours).toFixed(2)} s (${mibps(wall(ours))} MiB/s), CPU ${cpu(ours).toFixed(2)} s | curl ${wall(curls).toFixed(2)} s (${mibps(wall(curls))} MiB/s), CPU ${cpu(curls).toFixed(2)} s`,
  );
  const startCpu = median(splits.map((x) => x.startCpu));
  const fetchCpu = median(splits.map((x) => x.fetchCpu));
  console.log(
    `  kaggle-run's CPU: node start and module loading ${startCpu.toFixed(2)} s, the fetch ${fetchCpu.toFixed(2)} s (fetch alone / curl ${(fetchCpu / cpu(curls)).toFixed(2)})`,
  );
  console.log(
    `  time ratio ${timeRatio.toFixed(2)} (target <= ${TIME_TARGET}: ${timeRatio <= TIME_TARGET ? 'met' : 'MISSED'}), CPU ratio ${cpuRatio.toFixed(2)} with hashing (target <= ${CPU_TARGET}: ${cpuRatio <= CPU_TARGET ? 'met' : 'MISSED'})`,
  );
  // Client and server share the machine's cores: with both busy, wall time follows CPU.
  const serverCpu = (xs: Measured[]) => median(xs.map((x) => x.serverCpu));
  console.log(
    `  the server's CPU meanwhile: ${serverCpu(ours).toFixed(2)} s beside kaggle-run, ${serverCpu(curls).toFixed(2)} s beside curl`,
  );
  console.log(`  ${loadLine()}`);
} finally {
  await bench.close();
}
