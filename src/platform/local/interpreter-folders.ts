// The folders an interpreter needs at run time (its prefix, standard library and
// site-packages), so a sandbox that hides the home folder can still bind a pyenv or venv
// interpreter kept there, read-only and nothing more of it.

import { execFile } from 'node:child_process';
import { cachedProbe } from './probe-cache.js';

const script = [
  'import json, os, sys',
  'paths = [os.path.dirname(os.path.realpath(sys.executable)), os.path.dirname(sys.executable),',
  '         sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]',
  'paths += [p for p in sys.path if p and os.path.isdir(p)]',
  'print(json.dumps(sorted(set(os.path.abspath(p) for p in paths))))',
].join('\n');

const cache = new Map<string, Promise<string[]>>();

/**
 * The interpreter's folders (absolute); empty when it does not answer. Asked once each, and
 * kept in the user's cache while the interpreter and the variables that steer it are the same.
 */
export function interpreterFolders(executable: string): Promise<string[]> {
  let found = cache.get(executable);
  if (found === undefined) {
    found = cachedProbe({
      kind: 'folders',
      command: executable,
      cwd: '/',
      env: process.env,
      ask: () => askFolders(executable),
      executableOf: () => executable,
    }).then((folders) => folders ?? []);
    cache.set(executable, found);
  }
  return found;
}

function askFolders(executable: string): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    execFile(executable, ['-c', script], { timeout: 15_000 }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        const parsed: unknown = JSON.parse(stdout.trim());
        resolve(
          Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string') : [],
        );
      } catch {
        resolve(undefined);
      }
    });
  });
}
