// Warm starts for persistent runs outside the sandbox. A cold session start pays, on its
// critical path, for spawning the wrapper and for two interpreter start-ups (the wrapper's,
// then the kernel's with site and its .pth files): ~150 ms of a session start on a quiet
// machine. A spare has paid them in advance: its wrapper runs, its kernel interpreter is
// started and waiting (spare-wrapper.ts). A session start then only writes one message.
//
// The pool keeps `size` spares per interpreter, started with the environment of the latest
// session (the kernel falls back to a cold exec where that could matter). A spare nobody
// takes is killed after `idleSeconds`, when the pool closes, and (stdin at end of file) when
// this process dies; it never leaks.
//
// Inside bubblewrap the kernel interpreter waits in a sandbox of its own, whose mounts name
// a folder set of the spare's (input, working, src, temp, tmp, home), made for it before the
// session is known. A session that takes the spare moves those folders into its own place
// (sandbox-spare-folders.ts): a bind mount follows the folder it was made from, renamed or
// not, so the waiting sandbox sees the session's files and nothing else, as a cold one would.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { killGroup } from './kill-tree.js';
import { PROGRAM_BOOT_SOURCE, SPARE_BOOT_SOURCE, SPARE_WRAPPER_SOURCE } from './spare-wrapper.js';

/** What a spare needs to become a session (the cold start's inputs). */
export interface SpareSession {
  /** Folder for log.jsonl, exit.json and wrapper.json. */
  session: string;
  /** Where the kernel starts (inside its sandbox for a sandboxed spare). */
  cwd: string;
  /** Where the wrapper, which runs outside any sandbox, stands: `cwd` when not given. */
  hostCwd?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** The kernel's script. */
  path: string;
  /** The cold start's command (`python -u script`), exec()ed where a warm start could differ. */
  cmd: string[];
}

/** How a sandboxed spare starts: its own folders, the sandbox command in front of Python. */
export interface SpareSandbox {
  /** The command (bubblewrap and its arguments) that starts Python in the sandbox. */
  command: (folders: string) => string[];
}

/** The folders a sandboxed session's mounts name, each made empty for a spare. */
export const SPARE_FOLDERS = ['input', 'working', 'src', 'temp', 'tmp', 'home'] as const;

const DEFAULT_SIZE = 2;
const DEFAULT_IDLE_SECONDS = 600;
const DEFAULT_FILL_DELAY_MS = 300;
/** The spare's own idle limit, past ours: only matters when this process could not kill it. */
const SPARE_IDLE_MARGIN_SECONDS = 60;

function unrefStream(stream: unknown): void {
  (stream as { unref?: () => void } | null)?.unref?.();
}

export class Spare {
  private isReady = false;
  private hasExited = false;
  private readonly exitListeners: (() => void)[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    /** Carried on the wrapper's command line: tells it from a later process with its pid. */
    readonly tag: string,
    /** A sandboxed spare's folder set (SPARE_FOLDERS inside it), removed when it ends. */
    readonly folders?: string | undefined,
  ) {
    this.exited = new Promise((resolve) => {
      const done = () => {
        this.hasExited = true;
        clearTimeout(this.idleTimer);
        for (const listener of this.exitListeners.splice(0)) listener();
        resolve();
      };
      child.on('exit', done);
      child.on('error', done);
    });
    // A spare that died leaves an EPIPE here; its exit tells the rest.
    child.stdin?.on('error', () => undefined);
    child.stdout?.on('data', () => (this.isReady = true));
    child.unref();
    unrefStream(child.stdin);
    unrefStream(child.stdout);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get ready(): boolean {
    return this.isReady && !this.hasExited;
  }

  get alive(): boolean {
    return !this.hasExited;
  }

  onExit(listener: () => void): void {
    if (this.hasExited) listener();
    else this.exitListeners.push(listener);
  }

  idleAfter(ms: number, onIdle: () => void): void {
    this.idleTimer = setTimeout(onIdle, ms);
    this.idleTimer.unref();
  }

  /** Hands the session over: from now on the spare is that session's wrapper. */
  start(session: SpareSession): void {
    clearTimeout(this.idleTimer);
    this.child.stdin?.end(JSON.stringify(session));
  }

  /** Ends an unused spare and its kernel. */
  kill(): void {
    clearTimeout(this.idleTimer);
    // Whoever awaits `exited` now waits on the process, not on an empty event loop.
    this.child.ref();
    if (this.child.pid !== undefined && !this.hasExited) killGroup(this.child.pid, 'SIGKILL');
  }
}

export class SparePool {
  private readonly spares = new Map<string, Spare[]>();
  private closed = false;
  private readonly fillTimers = new Map<string, NodeJS.Timeout>();
  private readonly latestEnv = new Map<string, NodeJS.ProcessEnv>();
  private readonly sandboxes = new Map<string, SpareSandbox>();
  /** Spares being prepared (their folders made) and not yet in the list, per key. */
  private readonly starting = new Map<string, number>();
  private cleared: Promise<void> | undefined;

  constructor(
    private readonly options: {
      /** Prefix of every spare's tag (names its owner, for whoever looks at processes). */
      tag: string;
      size?: number | undefined;
      idleSeconds?: number | undefined;
      fillDelayMs?: number | undefined;
      /**
       * Where sandboxed spares' folder sets are made: on the file system of the sessions'
       * folders, which they are renamed into. Without it no sandboxed spare is started.
       */
      folderRoot?: string | undefined;
      /**
       * The assembled harness's modules (a JSON file, name -> text), which spare kernels
       * compile while they wait; none: a harness compiles its modules on its session's path.
       */
      harnessModules?: string | undefined;
    },
  ) {}

  /**
   * A ready spare for `key` (the interpreter; for a sandbox, the interpreter and the
   * sandbox's settings), now the caller's; undefined when none is ready.
   */
  take(key: string): Spare | undefined {
    const list = this.spares.get(key) ?? [];
    const index = list.findIndex((spare) => spare.ready);
    if (index < 0) return undefined;
    const [spare] = list.splice(index, 1);
    return spare;
  }

  /**
   * Starts spares for `key` (running `python`, in `sandbox` when given) with `env` until
   * `size` are ready or starting, after `fillDelayMs`: a session has just started, and spares
   * starting now would compete with its own start-up (and its neighbours') for the CPU, on
   * the path they are meant to shorten.
   */
  fill(key: string, env: NodeJS.ProcessEnv, python = key, sandbox?: SpareSandbox): void {
    if (this.closed) return;
    if (sandbox !== undefined) {
      if (this.options.folderRoot === undefined) return;
      this.sandboxes.set(key, sandbox);
    }
    const delay = this.options.fillDelayMs ?? DEFAULT_FILL_DELAY_MS;
    if (delay <= 0) return void this.fillNow(key, python, env);
    this.latestEnv.set(key, env);
    if (this.fillTimers.has(key)) return;
    const timer = setTimeout(() => {
      this.fillTimers.delete(key);
      void this.fillNow(key, python, this.latestEnv.get(key) ?? env);
    }, delay);
    timer.unref();
    this.fillTimers.set(key, timer);
  }

  private async fillNow(key: string, python: string, env: NodeJS.ProcessEnv): Promise<void> {
    if (this.closed) return;
    const list = this.spares.get(key) ?? [];
    this.spares.set(key, list);
    const size = this.options.size ?? DEFAULT_SIZE;
    const idleSeconds = this.options.idleSeconds ?? DEFAULT_IDLE_SECONDS;
    const sandbox = this.sandboxes.get(key);
    // Counted before the awaits below, so two fills at once start no more than `size`.
    const wanted = size - list.length - (this.starting.get(key) ?? 0);
    if (wanted <= 0) return;
    this.starting.set(key, (this.starting.get(key) ?? 0) + wanted);
    try {
      for (let i = 0; i < wanted; i++) {
        const tag = `${this.options.tag}:${randomUUID()}`;
        let folders: string | undefined;
        let front: string[] = [];
        if (sandbox !== undefined && this.options.folderRoot !== undefined) {
          // Folder sets a previous process left (its spares ended with it) go first.
          this.cleared ??= rm(this.options.folderRoot, { recursive: true, force: true });
          await this.cleared;
          folders = join(this.options.folderRoot, randomUUID());
          const made = folders;
          const ok = await Promise.all(
            SPARE_FOLDERS.map((name) => mkdir(join(made, name), { recursive: true })),
          ).then(
            () => true,
            () => false,
          );
          if (!ok || this.closed) {
            await rm(made, { recursive: true, force: true });
            return;
          }
          front = sandbox.command(folders);
        }
        const bootArgs = [...front, python, '-u', '-c', SPARE_BOOT_SOURCE, PROGRAM_BOOT_SOURCE];
        const args = ['-S', '-c', SPARE_WRAPPER_SOURCE, tag];
        args.push(String(idleSeconds + SPARE_IDLE_MARGIN_SECONDS));
        args.push(this.options.harnessModules ?? '', ...bootArgs);
        // Leads its own process group, as a cold wrapper does; stderr goes nowhere, as there.
        const child = spawn(python, args, {
          cwd: '/',
          env,
          detached: true,
          stdio: ['pipe', 'pipe', 'ignore'],
        });
        const spare = new Spare(child, tag, folders);
        list.push(spare);
        spare.onExit(() => {
          const at = list.indexOf(spare);
          if (at >= 0) list.splice(at, 1);
          // A taken spare's folders have moved to its session: only the empty set is left.
          if (folders !== undefined) void rm(folders, { recursive: true, force: true });
        });
        spare.idleAfter(idleSeconds * 1000, () => spare.kill());
      }
    } finally {
      this.starting.set(key, (this.starting.get(key) ?? 0) - wanted);
    }
  }

  /** How many spares of `python` are ready now. */
  readyCount(python: string): number {
    return (this.spares.get(python) ?? []).filter((spare) => spare.ready).length;
  }

  /** Pids of the spares not taken (for tests and diagnostics). */
  pids(): number[] {
    return [...this.spares.values()].flat().flatMap((s) => (s.pid === undefined ? [] : [s.pid]));
  }

  /** Kills every spare not taken, and starts no more; waits until they are gone. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.fillTimers.values()) clearTimeout(timer);
    this.fillTimers.clear();
    const all = [...this.spares.values()].flat();
    this.spares.clear();
    for (const spare of all) spare.kill();
    await Promise.all(all.map((spare) => spare.exited));
  }
}
