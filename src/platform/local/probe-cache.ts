// What an interpreter said about itself, kept between runs in the user's cache folder: asking
// costs a Python start each time, and through a version manager's shim (pyenv) several
// shell scripts before it. An answer is reused only while nothing that decided it changed:
// the command's file and the interpreter it started (path, size, mtime), the version files
// a manager reads from the folder upwards, and the variables that steer the choice.

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { userCacheFolder } from '../../util/user-cache.js';
import { writeJsonAtomic } from '../../util/atomic-write.js';

/** Answers kept at most; the oldest are dropped first. */
const MAX_ENTRIES = 64;
const CACHE_VERSION = 1;

/** Files that pick a Python version for a folder (pyenv, asdf, mise). */
const VERSION_FILES = ['.python-version', '.tool-versions', '.mise.toml'];
/** Variables that pick or change the interpreter a command starts. */
const STEERING_VARS = [
  'PATH',
  'PYENV_VERSION',
  'PYENV_ROOT',
  'VIRTUAL_ENV',
  'CONDA_PREFIX',
  'PYTHONPATH',
  'PYTHONHOME',
];

interface Entry {
  key: string;
  /** The interpreter binary the answer came from, checked again before reuse. */
  executable: string;
  executableStamp: string;
  value: unknown;
  savedAt: number;
}

interface CacheFile {
  version: number;
  entries: Entry[];
}

export function probeCacheFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(userCacheFolder(env), 'interpreters.json');
}

/** Size and mtime of a file, or '-' when it is not there. */
export function stamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return '-';
  }
}

/** Where `command` is found: itself when it names a path, else the first match on PATH. */
export function commandPath(command: string, cwd: string, env: NodeJS.ProcessEnv): string {
  if (command.includes('/')) return isAbsolute(command) ? command : resolve(cwd, command);
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    if (stamp(candidate) !== '-') return candidate;
  }
  return command;
}

/** Stamps of the version files from `cwd` up to the root, and of pyenv's global one. */
function versionFileStamps(cwd: string, env: NodeJS.ProcessEnv): string[] {
  const stamps: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of VERSION_FILES) {
      const s = stamp(join(dir, name));
      if (s !== '-') stamps.push(`${join(dir, name)}=${s}`);
    }
    if (dirname(dir) === dir) break;
  }
  const pyenvRoot = env.PYENV_ROOT ?? join(env.HOME ?? homedir(), '.pyenv');
  stamps.push(`pyenv-global=${stamp(join(pyenvRoot, 'version'))}`);
  return stamps;
}

function cacheKey(
  kind: string,
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  extra: string,
): string {
  const where = commandPath(command, cwd, env);
  const parts = [
    kind,
    command,
    where,
    stamp(where),
    resolve(cwd),
    extra,
    ...STEERING_VARS.map((name) => `${name}=${env[name] ?? ''}`),
    ...versionFileStamps(cwd, env),
  ];
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

function readCache(file: string): CacheFile {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheFile>;
    if (parsed.version === CACHE_VERSION && Array.isArray(parsed.entries)) {
      return { version: CACHE_VERSION, entries: parsed.entries };
    }
  } catch {
    // Missing or unreadable: start again (the cache only saves time).
  }
  return { version: CACHE_VERSION, entries: [] };
}

export interface ProbeCacheOptions<T> {
  /** What is asked (`probe`, `resolve`, `folders`): answers of one kind only. */
  kind: string;
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Anything else the answer depends on (the variables a probe compares against). */
  extra?: string;
  /** Asks the interpreter; undefined when it did not answer (nothing is kept then). */
  ask: () => Promise<T | undefined>;
  /** The interpreter binary an answer names, whose stamp is checked before reuse. */
  executableOf: (value: T) => string;
  /** False for answers not to keep (a negative that may turn true: a package installed). */
  keep?: (value: T) => boolean;
}

/** The cached answer when still valid, else a fresh one (kept for next time). */
export async function cachedProbe<T>(options: ProbeCacheOptions<T>): Promise<T | undefined> {
  const file = probeCacheFile(options.env);
  const key = cacheKey(
    options.kind,
    options.command,
    options.cwd,
    options.env,
    options.extra ?? '',
  );
  const hit = readCache(file).entries.find((e) => e.key === key);
  if (hit !== undefined && stamp(hit.executable) === hit.executableStamp) return hit.value as T;

  const value = await options.ask();
  if (value === undefined || options.keep?.(value) === false) return value;
  const executable = options.executableOf(value);
  const entry: Entry = {
    key,
    executable,
    executableStamp: stamp(executable),
    value,
    savedAt: Date.now(),
  };
  // Read again: another run may have added its answers meanwhile.
  const entries = [entry, ...readCache(file).entries.filter((e) => e.key !== key)];
  await writeJsonAtomic(file, {
    version: CACHE_VERSION,
    entries: entries.slice(0, MAX_ENTRIES),
  }).catch(() => {
    // A read-only or full cache folder costs only the time saved.
  });
  return value;
}
