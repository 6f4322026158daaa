// Waiting in tests is on a condition, never a fixed sleep: the condition is checked at
// once, again whenever a watched file or folder changes, and on a short poll besides (a
// watch misses what happens before the path exists). Every wait is bounded, and the bound
// is stretched by the machine's measured slowness, so a loaded machine waits longer
// instead of failing, and a real hang still fails with what it was waiting for.

import { existsSync, watch, type FSWatcher } from 'node:fs';
import { scaled } from './machine.js';

export interface WaitOptions {
  /** The bound on an idle machine; stretched by the machine's slowness. Default 15 s. */
  timeoutMs?: number;
  /** A file or folder whose changes trigger a check at once. */
  watch?: string;
  /** The poll between checks, in ms. Default 25. */
  everyMs?: number;
}

/** Resolves with the first truthy value `check` returns; throws, naming `what`, past the bound. */
export async function waitUntil<T>(
  what: string,
  check: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = await scaled(options.timeoutMs ?? 15_000);
  const deadline = Date.now() + timeoutMs;
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  if (options.watch !== undefined && existsSync(options.watch)) {
    try {
      watcher = watch(options.watch, () => wake?.());
      watcher.on('error', () => undefined);
    } catch {
      // Gone between the check and the watch: the poll covers it.
    }
  }
  try {
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) {
        throw new Error(`still waiting after ${timeoutMs} ms: ${what}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.everyMs ?? 25);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    watcher?.close();
  }
}
