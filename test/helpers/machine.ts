// How slow this machine is right now, against an idle 2-core machine: the time bounds in
// tests are stretched by it, so that a bound tight enough to catch a hang still holds when
// eight builds share two cores. Measured once per test file (each runs in its own process,
// so a long suite follows the load as it changes).

import { spawn } from 'node:child_process';

/**
 * About what starting `python3 -c pass` and `node -e ''` takes on an idle 2-core machine:
 * process start-up is what a loaded machine slows most, and what most tests spend their time
 * on. Kept on the low side: a machine that starts processes faster than this counts as idle,
 * and one only a little slower gets bounds a little longer.
 */
const IDLE_START_MS = { python3: 20, node: 40 };

/** Past this, a bound would stop meaning anything; a machine this slow fails honestly. */
const MAX_SLOWNESS = 30;

function startMs(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', () => resolve(0));
    child.on('close', () => resolve(performance.now() - started));
  });
}

async function medianStartMs(command: string, args: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) times.push(await startMs(command, args));
  return times.sort((a, b) => a - b)[1]!;
}

let measured: Promise<number> | undefined;

/** How many times slower than idle this machine starts a process now (1 on an idle one). */
export function slowness(): Promise<number> {
  measured ??= (async () => {
    const python = (await medianStartMs('python3', ['-c', 'pass'])) / IDLE_START_MS.python3;
    const node = (await medianStartMs(process.execPath, ['-e', ''])) / IDLE_START_MS.node;
    return Math.min(MAX_SLOWNESS, Math.max(1, python, node));
  })();
  return measured;
}

/** `ms` (a bound that holds on an idle machine) stretched by this machine's slowness now. */
export async function scaled(ms: number): Promise<number> {
  return Math.round(ms * (await slowness()));
}
