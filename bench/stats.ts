/** Small helpers for bench scripts: they print figures and ratios, they never assert. */

import { cpus, loadavg } from 'node:os';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function timeIt(times: number, work: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await work();
    samples.push(performance.now() - start);
  }
  return samples;
}

export function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** The machine's load averages, printed beside every figure (a loaded machine skews them). */
export function loadLine(): string {
  const [one, five] = loadavg();
  return `load average ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min), ${cpus().length} cores`;
}

/**
 * Runs each piece of work `times` times, taking turns (a, b, c, a, b, c, ...), so that a
 * change in the machine's load falls on all of them alike. Returns the samples by name.
 */
export async function alternate(
  times: number,
  work: Record<string, () => Promise<unknown>>,
): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = Object.fromEntries(
    Object.keys(work).map((name) => [name, [] as number[]]),
  );
  for (let i = 0; i < times; i++) {
    for (const [name, run] of Object.entries(work)) {
      const start = performance.now();
      await run();
      samples[name]!.push(performance.now() - start);
    }
  }
  return samples;
}
