// The client half of bench/fetch-speed: fetches one finished run's outputs (manifest read
// and checked, every file size- and sha256-verified, renamed into place) in a process of
// its own, so the parent can read its CPU time apart from the server's.
// It also says how much of its CPU time went on starting node and loading the modules (the
// project's are imported dynamically, so the reading comes after them) and on the fetch.
//   node dist/bench/fetch-client.js <endpoint> <kernel> <nonce> <outputDir>
// Credentials come from the environment, as for the CLI.

import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// V8 set as the CLI's entry sets it for the commands that fetch (`run`, `fetch`).
const { tuneV8For } = createRequire(import.meta.url)('../../bin/tune-v8.js') as {
  tuneV8For: (command: string) => void;
};
tuneV8For('fetch');

const { KaggleApiPlatform } = await import('../src/kaggle/kaggle-platform.js');
const { downloadPlanned, planFetch } = await import('../src/run/fetch-outputs.js');
const startCpu = process.cpuUsage();
/** CPU seconds (user + system, all threads) between two readings. */
const cpuSeconds = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) =>
  (to.user - from.user + to.system - from.system) / 1e6;

const [endpoint, kernel, nonce, outputDir] = process.argv.slice(2);
if (endpoint === undefined || kernel === undefined || nonce === undefined || !outputDir) {
  throw new Error('usage: fetch-client <endpoint> <kernel> <nonce> <outputDir>');
}
const platform = new KaggleApiPlatform({ endpoint, env: process.env });
const options = {
  platform,
  handle: { platform: 'kaggle' as const, kernel, version: null, nonce },
  outputDir,
  manifestPath: join(outputDir, '..', 'manifest.json'),
  globs: [],
  nonce,
};
await rm(outputDir, { recursive: true, force: true });
const { outputs } = await downloadPlanned(options, await planFetch(options));
const bytes = outputs.reduce((sum, o) => sum + o.size, 0);
process.stdout.write(
  `${JSON.stringify({
    files: outputs.length,
    bytes,
    startCpu: cpuSeconds({ user: 0, system: 0 }, startCpu),
    fetchCpu: cpuSeconds(startCpu, process.cpuUsage()),
  })}\n`,
);
