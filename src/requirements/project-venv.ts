// The local platform's per-project environment: `requirements` are installed into a venv in
// `.kaggle-run/venv/<key>/`, never into the interpreter the user runs everything else with.
// The key hashes the requirements (nested files inlined), the interpreter and, for lines that
// install the project itself, its packaging files, so the venv is made once and reused until
// one of them changes; then a new one is made and the old one removed. The venv sees the
// interpreter's own packages (`--system-site-packages`), as a Kaggle session sees its image's.

import { spawn } from 'node:child_process';
import { mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PlatformError, UsageError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { ParsedRequirements } from './parse-requirements.js';
import { requirementsKey } from './requirements-key.js';

const MARKER = 'kaggle-run-venv.json';
const REQUIREMENTS_FILE = 'kaggle-run-requirements.txt';
/** Lines of pip's output kept for the message when an install fails. */
const TAIL_LINES = 30;
/** How often a run waiting for another process's install looks again. */
const LOCK_POLL_MS = 250;

export interface ProjectVenv {
  /** The venv's interpreter: what the harness and the program run with. */
  python: string;
  dir: string;
  key: string;
  /** True when the venv was there already (nothing was installed). */
  reused: boolean;
}

export interface VenvOptions {
  /** The project folder: pip runs there, so `-e .` and `./pkg` mean the project. */
  root: string;
  /** The run store's folder (`.kaggle-run`). */
  storeRoot: string;
  /** The interpreter the venv is made from (resolved, not a shim). */
  basePython: string;
  /** Its version, part of the key: a pyenv upgrade behind the same path makes a new venv. */
  baseVersion: string;
  requirements: ParsedRequirements;
  /** The most an install may take; then it is stopped and the venv dropped. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  /** Each line pip prints, as it prints it. */
  onLine?: (line: string) => void;
}

function venvPython(dir: string): string {
  return process.platform === 'win32'
    ? join(dir, 'Scripts', 'python.exe')
    : join(dir, 'bin', 'python');
}

/** What the venv's content depends on. */
export function venvKey(options: VenvOptions): Promise<string> {
  return requirementsKey(options.root, options.requirements, [
    'kaggle-run venv 1',
    options.basePython,
    options.baseVersion,
  ]);
}

interface Ran {
  code: number | null;
  tail: string[];
  timedOut: boolean;
}

function run(
  command: string,
  args: string[],
  options: VenvOptions,
  cwd: string,
  quiet = false,
): Promise<Ran> {
  return new Promise((resolveRun, reject) => {
    const env = {
      ...(options.env ?? process.env),
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      PIP_NO_INPUT: '1',
      PYTHONUNBUFFERED: '1',
    };
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    const onAbort = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const take = (stream: NodeJS.ReadableStream) => {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split(/\r?\n/);
        partial = lines.pop() ?? '';
        for (const line of lines) {
          tail.push(line);
          if (tail.length > TAIL_LINES) tail.shift();
          if (!quiet) options.onLine?.(line);
        }
      });
      stream.on('end', () => {
        if (partial !== '') {
          tail.push(partial);
          if (!quiet) options.onLine?.(partial);
        }
      });
    };
    take(child.stdout);
    take(child.stderr);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolveRun({ code, tail, timedOut });
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process at a time makes a given venv: the lock file holds its pid. A lock whose process
 * is gone is taken over; a live one is waited for, no longer than an install may take.
 */
async function lockVenv(path: string, options: VenvOptions): Promise<() => Promise<void>> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(String(process.pid));
      await file.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (!(Number.isInteger(pid) && pid > 0 && alive(pid))) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new PlatformError(
        `another kaggle-run (pid ${pid}) is still making ${path.replace(/\.lock$/, '')}`,
        {
          hint: 'wait for it to finish, or stop it',
        },
      );
    }
    options.signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}

async function isReady(dir: string, key: string): Promise<boolean> {
  const text = await readFile(join(dir, MARKER), 'utf8').catch(() => undefined);
  if (text === undefined) return false;
  try {
    return (JSON.parse(text) as { key?: unknown }).key === key;
  } catch {
    return false;
  }
}

function failure(what: string, ran: Ran, hint: string): UsageError {
  const how = ran.timedOut ? 'ran past its time limit' : `exited with code ${ran.code ?? 'none'}`;
  const tail = ran.tail.filter((l) => l.trim() !== '').map((l) => `  ${l}`);
  return new UsageError(`${what} failed (${how}); pip's last lines:\n${tail.join('\n')}`, { hint });
}

async function build(dir: string, key: string, options: VenvOptions): Promise<void> {
  await rm(dir, { recursive: true, force: true }); // a venv an earlier attempt left half-made
  // Without pip of its own: the interpreter's pip, seen through the system site-packages,
  // installs into the venv, and making the venv takes a fraction of a second instead of
  // several. Only when the interpreter has no pip is one put in.
  const made = await run(
    options.basePython,
    ['-m', 'venv', '--without-pip', '--system-site-packages', dir],
    options,
    options.root,
  );
  if (made.code !== 0) {
    throw failure(
      `making the project environment ${dir}`,
      made,
      `check that ${options.basePython} has the venv module (on Debian/Ubuntu: apt-get install python3-venv)`,
    );
  }
  const python = venvPython(dir);
  const pip = await run(python, ['-m', 'pip', '--version'], options, options.root, true);
  if (pip.code !== 0) {
    const ensured = await run(python, ['-m', 'ensurepip', '--default-pip'], options, options.root);
    if (ensured.code !== 0) {
      throw failure(
        `putting pip into ${dir}`,
        ensured,
        `install pip for ${options.basePython} (python3 -m ensurepip, or apt-get install python3-pip python3-venv)`,
      );
    }
  }
  const requirementsFile = join(dir, REQUIREMENTS_FILE);
  await writeFile(requirementsFile, options.requirements.text);
  const started = Date.now();
  const installed = await run(
    python,
    ['-m', 'pip', 'install', '-r', requirementsFile],
    options,
    options.root,
  );
  options.signal?.throwIfAborted();
  if (installed.code !== 0) {
    throw failure(
      'installing the requirements',
      installed,
      "fix `requirements` in kaggle-run.yaml (pip's message above says which one), then run again",
    );
  }
  await writeJsonAtomic(join(dir, MARKER), {
    key,
    basePython: options.basePython,
    baseVersion: options.baseVersion,
    requirements: options.requirements.requirements,
    installSeconds: (Date.now() - started) / 1000,
    createdAt: new Date().toISOString(),
  });
}

/** Removes the venvs of other keys that no process is making now. */
async function dropOthers(venvRoot: string, key: string): Promise<void> {
  const names = await readdir(venvRoot).catch(() => [] as string[]);
  const locked = new Set(names.filter((n) => n.endsWith('.lock')).map((n) => n.slice(0, -5)));
  for (const name of names) {
    if (name === key || name.endsWith('.lock') || locked.has(name)) continue;
    await rm(join(venvRoot, name), { recursive: true, force: true });
  }
}

/**
 * The project's venv for these requirements: reused when ready, made (and the requirements
 * installed, pip's output passed to `onLine`) when not. A failed install removes what it
 * made and throws a UsageError ending in pip's last lines.
 */
export async function ensureProjectVenv(options: VenvOptions): Promise<ProjectVenv> {
  const key = await venvKey(options);
  const venvRoot = join(options.storeRoot, 'venv');
  const dir = join(venvRoot, key);
  const python = venvPython(dir);
  if (await isReady(dir, key)) return { python, dir, key, reused: true };
  await mkdir(venvRoot, { recursive: true });
  const unlock = await lockVenv(`${dir}.lock`, options);
  try {
    // Another process may have made it while this one waited for the lock.
    if (await isReady(dir, key)) return { python, dir, key, reused: true };
    try {
      await build(dir, key, options);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    await dropOthers(venvRoot, key);
    return { python, dir, key, reused: false };
  } finally {
    await unlock();
  }
}
