// Persistent executions (ExecutionOptions.persistent): started through the wrapper of
// detached-run.ts, or adopted from their folder by a later process. Both are followed the
// same way: the log file is tailed and exit.json awaited, polling a few times a second.

import { LiveLog } from './live-log.js';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  LogTail,
  type ExitRecord,
  WRAPPER_SOURCE,
  readExit,
  readWrapperPid,
  sessionDir,
  wrapperAlive,
} from './detached-run.js';
import type { Execution, ExecutionResult, ExecutionStatus, RunInfo } from './executor.js';
import { killGroup } from './kill-tree.js';

const POLL_MS = 100;

export async function spawnPersistent(
  run: { python: string; command: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv },
  info: RunInfo,
): Promise<Execution> {
  const session = sessionDir(info.dir);
  await mkdir(session, { recursive: true });
  // The wrapper runs outside any sandbox with the host's interpreter, and leads the group.
  const child = spawn(run.python, ['-c', WRAPPER_SOURCE, session, run.command, ...run.args], {
    cwd: run.cwd,
    env: run.env,
    detached: true,
    stdio: 'ignore',
  });
  let exited = false;
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
    exited = true;
  });
  child.on('exit', () => {
    exited = true;
  });
  child.unref();
  if (child.pid !== undefined) {
    // Also written by the wrapper itself; ours covers a crash before it gets that far.
    await writeFile(join(session, 'wrapper.json'), JSON.stringify({ pid: child.pid }));
  }
  return follow(
    info,
    child.pid,
    () => Promise.resolve(!exited),
    () => spawnError,
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
  const pid = await readWrapperPid(dir);
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
  const alive = () => (pid === undefined ? Promise.resolve(false) : wrapperAlive(pid, dir));
  return follow(info, pid, alive, () => undefined);
}

function follow(
  info: RunInfo,
  pid: number | undefined,
  alive: () => Promise<boolean>,
  spawnError: () => Error | undefined,
): Execution {
  const live = new LiveLog();
  const tail = new LogTail(join(sessionDir(info.dir), 'log.jsonl'));
  let detached = false;
  let ending: ExecutionStatus | undefined;
  const stop = (why: ExecutionStatus) => {
    ending ??= why;
    if (pid !== undefined) killGroup(pid);
  };
  const remainingMs = info.timeoutSeconds * 1000 - (Date.now() - info.startedAtMs);
  const timer = setTimeout(() => stop('timeout'), Math.max(0, remainingMs));

  const pull = async () => {
    const entries = await tail.read();
    if (entries.length > 0) live.push(...entries);
  };

  const done = (async (): Promise<ExecutionResult> => {
    for (;;) {
      await pull();
      if (detached) return new Promise<never>(() => undefined);
      let exit: ExitRecord | null | undefined = await readExit(info.dir);
      // Look for exit.json once more after seeing the process gone: it may have just ended.
      if (exit === undefined && !(await alive())) exit = (await readExit(info.dir)) ?? null;
      if (exit !== undefined) {
        clearTimeout(timer);
        await pull();
        const error = spawnError();
        if (error !== undefined) {
          live.push({ stream_name: 'stderr', time: 0, data: `cannot start ${error.message}\n` });
        }
        const exitCode = exit === null ? null : (exit.code ?? (exit.signal === null ? null : 128));
        live.finish();
        return {
          status: ending ?? (exitCode === 0 ? 'complete' : 'error'),
          exitCode,
          startedAt: info.startedAt,
          endedAt: new Date().toISOString(),
          ...(exit === null ? { vanished: true } : {}),
        };
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();

  return {
    workingDir: info.workingDir,
    inputDir: info.inputDir,
    sandboxed: info.sandboxed,
    log: live.entries,
    follow: (signal) => live.follow(signal),
    done,
    kill: () => stop('cancelled'),
    detach: () => {
      detached = true;
      clearTimeout(timer);
    },
  };
}
