// Warm starts for persistent runs outside the sandbox. A cold session start pays, on its
// critical path, for spawning the wrapper and for two interpreter start-ups (the wrapper's,
// then the kernel's with site and its .pth files): ~150 ms of a session start on a quiet
// machine. A spare has paid them in advance: its wrapper runs, its kernel interpreter is
// started and waiting (spare-wrapper.ts). A session start then only writes one message.
//
// The pool keeps `size` spares per interpreter, started with the environment of the latest
// session (the kernel falls back to a cold exec where that could matter). A spare nobody
// takes is killed after `idleSeconds`, when the pool closes, and (stdin at end of file) when
// this process dies; it never leaks. Not for bubblewrap: its mounts name the session's
// folders, unknown before the session.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { killGroup } from './kill-tree.js';
import { SPARE_BOOT_SOURCE, SPARE_WRAPPER_SOURCE } from './spare-wrapper.js';

/** What a spare needs to become a session (the cold start's inputs). */
export interface SpareSession {
  /** Folder for log.jsonl, exit.json and wrapper.json. */
  session: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The kernel's script. */
  path: string;
  /** The cold start's command (`python -u script`), exec()ed where a warm start could differ. */
  cmd: string[];
}

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

  constructor(
    private readonly options: {
      /** Prefix of every spare's tag (names its owner, for whoever looks at processes). */
      tag: string;
      size?: number | undefined;
      idleSeconds?: number | undefined;
      fillDelayMs?: number | undefined;
    },
  ) {}

  /** A ready spare of `python`, now the caller's; undefined when none is ready. */
  take(python: string): Spare | undefined {
    const list = this.spares.get(python) ?? [];
    const index = list.findIndex((spare) => spare.ready);
    if (index < 0) return undefined;
    const [spare] = list.splice(index, 1);
    return spare;
  }

  /**
   * Starts spares of `python` with `env` until `size` are ready or starting, after
   * `fillDelayMs`: a session has just started, and spares starting now would compete with its
   * own start-up (and its neighbours') for the CPU, on the path they are meant to shorten.
   */
  fill(python: string, env: NodeJS.ProcessEnv): void {
    if (this.closed) return;
    const delay = this.options.fillDelayMs ?? DEFAULT_FILL_DELAY_MS;
    if (delay <= 0) return this.fillNow(python, env);
    this.latestEnv.set(python, env);
    if (this.fillTimers.has(python)) return;
    const timer = setTimeout(() => {
      this.fillTimers.delete(python);
      this.fillNow(python, this.latestEnv.get(python) ?? env);
    }, delay);
    timer.unref();
    this.fillTimers.set(python, timer);
  }

  private fillNow(python: string, env: NodeJS.ProcessEnv): void {
    if (this.closed) return;
    const list = this.spares.get(python) ?? [];
    this.spares.set(python, list);
    const size = this.options.size ?? DEFAULT_SIZE;
    const idleSeconds = this.options.idleSeconds ?? DEFAULT_IDLE_SECONDS;
    while (list.length < size) {
      const tag = `${this.options.tag}:${randomUUID()}`;
      const bootArgs = [python, '-u', '-c', SPARE_BOOT_SOURCE];
      const args = ['-S', '-c', SPARE_WRAPPER_SOURCE, tag];
      args.push(String(idleSeconds + SPARE_IDLE_MARGIN_SECONDS), ...bootArgs);
      // Leads its own process group, as a cold wrapper does; stderr goes nowhere, as there.
      const child = spawn(python, args, {
        cwd: '/',
        env,
        detached: true,
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      const spare = new Spare(child, tag);
      list.push(spare);
      spare.onExit(() => {
        const at = list.indexOf(spare);
        if (at >= 0) list.splice(at, 1);
      });
      spare.idleAfter(idleSeconds * 1000, () => spare.kill());
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
