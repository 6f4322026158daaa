// The user's cache folder for kaggle-run: $XDG_CACHE_HOME/kaggle-run (~/.cache by default).
// What is kept there only saves time (interpreter probes, the harness's compiled modules):
// anything missing or unreadable is made again. bin/load-cli.js keeps the same rule for the
// CLI's code cache, before any of this is loaded.

import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { readEnv } from '../env.js';

export function userCacheFolder(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = readEnv('XDG_CACHE_HOME', env);
  // A relative XDG_CACHE_HOME is invalid (the XDG spec): it would put the cache in whatever
  // folder the command runs in.
  const base =
    xdg !== undefined && isAbsolute(xdg) ? xdg : join(readEnv('HOME', env) ?? homedir(), '.cache');
  return join(base, 'kaggle-run');
}
