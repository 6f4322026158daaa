// What a sweep may cost, checked before anything is pushed: the worst case is every point
// running to its timeout. --max-hours bounds it (a refusal, naming how many points fit);
// on Kaggle GPU/TPU the worst case is compared with the quota left, as a warning.

import type { Accelerator } from '../accelerator.js';
import { UsageError, errorMessage } from '../errors.js';
import type { Platform } from '../platform/platform.js';

export interface BudgetInput {
  points: number;
  timeoutSeconds: number;
  maxHours?: number | undefined;
}

const hours = (seconds: number) => `${(seconds / 3600).toFixed(1)} h`;

/** Throws UsageError (exit 2) when points x timeout is over --max-hours. */
export function checkMaxHours({ points, timeoutSeconds, maxHours }: BudgetInput): void {
  if (maxHours === undefined) return;
  const worst = points * timeoutSeconds;
  if (worst <= maxHours * 3600) return;
  const fit = Math.floor((maxHours * 3600) / timeoutSeconds);
  throw new UsageError(
    `the sweep's worst case is ${points} points x ${hours(timeoutSeconds)} timeout = ${hours(worst)}, over --max-hours ${maxHours}; ${fit} point${fit === 1 ? '' : 's'} fit`,
    {
      hint: 'lower `timeout`, narrow the grid, or raise --max-hours',
    },
  );
}

export function acceleratorKind(accelerator: Accelerator): 'gpu' | 'tpu' | 'cpu' {
  if (accelerator === 'none') return 'cpu';
  return accelerator.startsWith('tpu') ? 'tpu' : 'gpu';
}

/**
 * A warning when the worst case does not fit in the GPU/TPU hours left (undefined when it
 * fits). A quota that cannot be read is a warning too: the sweep still runs.
 */
export async function quotaWarning(
  platform: Platform,
  accelerator: Accelerator,
  { points, timeoutSeconds }: BudgetInput,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const kind = acceleratorKind(accelerator);
  if (kind === 'cpu' || platform.acceleratorSecondsLeft === undefined) return undefined;
  let left: number;
  try {
    left = await platform.acceleratorSecondsLeft(accelerator, signal);
  } catch (error) {
    return `could not read the ${kind.toUpperCase()} quota before the sweep (${errorMessage(error)}); going on`;
  }
  const worst = points * timeoutSeconds;
  if (worst <= left) return undefined;
  const fit = Math.floor(left / timeoutSeconds);
  return `the sweep's worst case is ${points} points x ${hours(timeoutSeconds)} timeout = ${hours(worst)} of ${kind.toUpperCase()} time, but ${hours(left)} are left this week: only ${fit} point${fit === 1 ? '' : 's'} fit if each runs to its timeout; points past the quota will be refused`;
}
