// Persistent executions (ExecutionOptions.persistent): started through the wrapper of
// detached-run.ts, or adopted from their folder by a later process. Both are followed the
// same way: exit.json is awaited, polling a few times a second, and readers of the log read
// its file (file-log.ts), woken by each poll. The
// end is noticed at once: a watch on the session folder sees exit.json appear, and the
// wrapper's exit event does too when this process started it; the poll stays as a fallback.

import { spawn } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type ExitRecord,
  WRAPPER_SOURCE,
  readExit,
  readWrapper,
  sessionDir,
  wrapperAlive,
} from './detached-run.js';
import type { Execution, ExecutionResult, ExecutionStatus, RunInfo } from './executor.js';
import { FileLog } from './file-log.js';
import { killGroup } from './kill-tree.js';
import type { Spare, SparePool } from './spare-pool.js';

const POLL_MS = 100;

/** The follow loop's pause between polls, cut short by nudge() (something ended). */
class Waker {
  private pending = false;
  private wake: (() => void) | undefined;

  nudge(): void {
    this.pending = true;
    this.wake?.();
  }

  nap(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

/** Nudges `waker` when exit.json appears in `session`; undefined where fs.watch fails. */
function watchForExit(session: string, waker: Waker): FSWatcher | undefined {
  try {
    const watcher = watch(session, (_event, name) => {
      if (name === 'exit.json') waker.nudge();
    });
    // Best effort: a watcher that breaks (folder removed) leaves the poll to do the work.
    watcher.on('error', () => watcher.close());
    // The poll's timer keeps the process alive while following, as before; not this.
    watcher.unref();
    return watcher;
  } catch {
    return undefined;
  }
}

export async function spawnPersistent(
  run: {
    python: string;
    command: string;
    args: string[];
    /** The interpreter's flags in `args` (`-u`, and `-S` for a harness that allows it). */
    interpreterFlags: string[];
    cwd: string;
    env: NodeJS.ProcessEnv;
    /** The kernel's script, for a warm start (see `spares`). */
    script: string;
    /** Outside the sandbox: start on a ready spare of this pool when there is one. */
    spares?: SparePool | undefined;
    /** A spare taken already (a sandboxed one, its folders now the session's). */
    spare?: Spare | undefined;
    /** Where the spare's kernel starts, when not `cwd` (inside its sandbox). */
    spareCwd?: string | undefined;
    /** The env the spare's kernel takes, when not `env` (what the sandbox would add). */
    spareEnv?: NodeJS.ProcessEnv | undefined;
  },
  info: RunInfo,
): Promise<Execution> {
  const session = sessionDir(info.dir);
  await mkdir(session, { recursive: true });
  const spare = run.spare ?? run.spares?.take(run.python);
  if (spare !== undefined) {
    const waker = new Waker();
    spare.onExit(() => waker.nudge());
    spare.start({
      session,
      cwd: run.spareCwd ?? run.cwd,
      hostCwd: run.cwd,
      env: run.spareEnv ?? run.env,
      path: run.script,
      // A sandboxed spare already runs inside its sandbox: the cold start there is Python's.
      cmd:
        run.spare?.folders !== undefined
          ? [run.python, ...run.interpreterFlags, run.script]
          : [run.command, ...run.args],
    });
    // The next session's spare is prepared while this one runs (fill() waits a little).
    run.spares?.fill(run.python, run.env);
    // Also written by the wrapper itself once it has the session, as for a cold start.
    await writeFile(
      join(session, 'wrapper.json'),
      JSON.stringify({ pid: spare.pid, tag: spare.tag }),
    );
    return follow(
      info,
      spare.pid,
      () => Promise.resolve(spare.alive),
      () => undefined,
      waker,
    );
  }
  // The wrapper runs outside any sandbox with the host's interpreter, and leads the group.
  // -S: it needs the standard library only, and site's .pth files can cost more than the
  // interpreter itself (the kernel it starts still gets site, as always).
  const child = spawn(run.python, ['-S', '-c', WRAPPER_SOURCE, session, run.command, ...run.args], {
    cwd: run.cwd,
    env: run.env,
    detached: true,
    stdio: 'ignore',
  });
  const waker = new Waker();
  let exited = false;
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
    exited = true;
    waker.nudge();
  });
  child.on('exit', () => {
    exited = true;
    waker.nudge();
  });
  child.unref();
  // After the spawn, not before: spares would only slow this start.
  run.spares?.fill(run.python, run.env);
  if (child.pid !== undefined) {
    // Also written by the wrapper itself; ours covers a crash before it gets that far.
    await writeFile(join(session, 'wrapper.json'), JSON.stringify({ pid: child.pid }));
  }
  return follow(
    info,
    child.pid,
    () => Promise.resolve(!exited),
    () => spawnError,
    waker,
  );
}

/**
 * Picks up a persistent run started by an earlier process from its folder. Undefined when it
 * never started (no wrapper record). A run that ended while nobody watched settles at once.
 */
export async function adoptExecution(options: {
  dir: string;
  startedAt: string;
  timeoutSeconds: number;
  sandboxed?: boolean | undefined;
}): Promise<Execution | undefined> {
  const dir = resolve(options.dir);
  const wrapper = await readWrapper(dir);
  const pid = wrapper?.pid;
  if (pid === undefined && (await readExit(dir)) === undefined) return undefined;
  const startedAtMs = Date.parse(options.startedAt);
  const info: RunInfo = {
    dir,
    inputDir: join(dir, 'input'),
    workingDir: join(dir, 'working'),
    sandboxed: options.sandboxed ?? false,
    startedAtMs: Number.isNaN(startedAtMs) ? Date.now() : startedAtMs,
    startedAt: options.startedAt,
    timeoutSeconds: options.timeoutSeconds,
  };
  const alive = () =>
    pid === undefined ? Promise.resolve(false) : wrapperAlive(pid, dir, wrapper?.tag);
  return follow(info, pid, alive, () => undefined, new Waker());
}

function follow(
  info: RunInfo,
  pid: number | undefined,
  alive: () => Promise<boolean>,
  spawnError: () => Error | undefined,
  waker: Waker,
): Execution {
  const watcher = watchForExit(sessionDir(info.dir), waker);
  const log = new FileLog(join(sessionDir(info.dir), 'log.jsonl'));
  let detached = false;
  let ending: ExecutionStatus | undefined;
  const stop = (why: ExecutionStatus) => {
    ending ??= why;
    if (pid !== undefined) killGroup(pid);
  };
  const remainingMs = info.timeoutSeconds * 1000 - (Date.now() - info.startedAtMs);
  const timer = setTimeout(() => stop('timeout'), Math.max(0, remainingMs));

  const done = (async (): Promise<ExecutionResult> => {
    for (;;) {
      log.grew();
      if (detached) {
        watcher?.close();
        return new Promise<never>(() => undefined);
      }
      let exit: ExitRecord | null | undefined = await readExit(info.dir);
      // Look for exit.json once more after seeing the process gone: it may have just ended.
      if (exit === undefined && !(await alive())) exit = (await readExit(info.dir)) ?? null;
      if (exit !== undefined) {
        clearTimeout(timer);
        watcher?.close();
        const error = spawnError();
        if (error !== undefined) {
          await log.append({
            stream_name: 'stderr',
            time: 0,
            data: `cannot start ${error.message}\n`,
          });
        }
        const exitCode = exit === null ? null : (exit.code ?? (exit.signal === null ? null : 128));
        log.finish();
        return {
          status: ending ?? (exitCode === 0 ? 'complete' : 'error'),
          exitCode,
          startedAt: info.startedAt,
          endedAt: new Date().toISOString(),
          ...(exit === null ? { vanished: true } : {}),
        };
      }
      await waker.nap(POLL_MS);
    }
  })();

  return {
    workingDir: info.workingDir,
    inputDir: info.inputDir,
    sandboxed: info.sandboxed,
    readLog: () => log.read(),
    follow: (signal) => log.follow(signal),
    done,
    kill: () => stop('cancelled'),
    detach: () => {
      detached = true;
      clearTimeout(timer);
      watcher?.close();
      waker.nudge();
    },
  };
}
