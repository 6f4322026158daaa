// Runs one kernel on this machine, laid out like a Kaggle session. Used by the local
// platform (the harness) and by `kaggle-run server` (whatever a client pushed).

import { LiveLog } from './live-log.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, copyFile, link, mkdir, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import type { Accelerator } from '../../accelerator.js';
import { readEnv } from '../../env.js';
import { collectLines, type LogEntry } from './log-lines.js';
import { NOTEBOOK_SOURCE_FILE, notebookRunnerSource } from './notebook-runner.js';
import { SANDBOX_ROOT, bwrapArgs, sandboxAvailable, sandboxHome } from './sandbox.js';
import { adoptSpareFolders } from './sandbox-spare-folders.js';
import { interpreterFolders } from './interpreter-folders.js';
import { resolveInterpreter } from './python.js';
import { INPUTS_FILE, fallbackNote } from './session-paths.js';
import { killTree } from './kill-tree.js';
import { spawnPersistent } from './persistent-execution.js';
import { sessionDir } from './detached-run.js';
import type { SparePool } from './spare-pool.js';
import { harnessRunsPlainScript, harnessStartsWithoutSite } from '../../harness/rendered.js';
import { PROGRAM_BOOT_SOURCE } from './spare-wrapper.js';
import { openHarnessCode } from './harness-code-cache.js';
export { adoptExecution } from './persistent-execution.js';

export type { LogEntry } from './log-lines.js';

export interface ExecutionOptions {
  /** Folder for this execution (created): holds input/, working/ and src/. */
  dir: string;
  /** The kernel's source text. */
  source: string;
  /** A notebook is executed with nbclient; its executed copy is kept as __notebook__.ipynb. */
  kind: 'script' | 'notebook';
  /** Files placed under input/ (target relative to it). */
  inputs: { localPath: string; target: string }[];
  /** `none` hides the GPU from the program. */
  accelerator: Accelerator;
  /** Kills the whole process tree after this long and ends with status `timeout`. */
  timeoutSeconds: number;
  /** Interpreter; default KAGGLE_RUN_PYTHON, then python3. */
  python?: string | undefined;
  /**
   * True when `python` is the interpreter itself, not a launcher, and the variables its
   * launcher sets are in `env` already (the server resolves once for all its sessions):
   * the sandbox then starts it as given instead of asking it again from each session's
   * folder (a Python start per session, the cache being per folder).
   */
  pythonResolved?: boolean | undefined;
  /** `auto` uses bubblewrap when it works here. */
  sandbox?: 'auto' | 'bwrap' | 'none' | undefined;
  /** False: the run gets no network at all inside bubblewrap (default true). */
  internet?: boolean | undefined;
  /**
   * Each attached source and its folder relative to input/, given to the program as
   * KAGGLE_RUN_INPUTS (JSON, absolute folders as the program sees them) and the same in the
   * file KAGGLE_RUN_INPUTS_FILE.
   */
  inputMap?: Readonly<Record<string, string>> | undefined;
  /** Host paths the sandboxed run must never see (a server's data folder, accounts file). */
  hidden?: readonly string[] | undefined;
  /**
   * Folders inside the source folder (src/) put first on the program's PYTHONPATH, as the
   * program sees them (/kaggle/src/... inside bubblewrap).
   */
  pythonPath?: readonly string[] | undefined;
  /**
   * Outside bubblewrap (writable inputs, so the code is copied rather than run in place): the
   * folder where the harness keeps the working copies of unchanged code for the kernel's next
   * session (KAGGLE_RUN_CODE_RECYCLE; harness/kaggle_run_harness/code_recycle.py says why).
   */
  codeRecycleDir?: string | undefined;
  /** Outside bubblewrap, start the log with a line saying how the session differs (server). */
  announceFallback?: boolean | undefined;
  env?: Record<string, string> | undefined;
  /**
   * Output goes through a wrapper to files under dir/session/ instead of pipes to this
   * process, so the run survives our exit; `adoptExecution(dir)` picks it up again.
   */
  persistent?: boolean | undefined;
  /**
   * Persistent runs outside the sandbox start on a warm spare of this pool when one is ready
   * (spare-pool.ts), and keep it filled.
   */
  spares?: SparePool | undefined;
  /**
   * False: the log is for one reader that follows it live (the local platform); entries go
   * once read and a reader that falls behind holds the program's output back, so memory
   * stays bounded. `readLog()` then gives only what is not read yet. Default true.
   */
  keepLog?: boolean | undefined;
}

export type ExecutionStatus = 'complete' | 'error' | 'timeout' | 'cancelled';

export interface ExecutionResult {
  status: ExecutionStatus;
  exitCode: number | null;
  startedAt: string;
  endedAt: string;
  /** A persistent run whose process ended without recording how (killed from outside). */
  vanished?: boolean | undefined;
}

export interface Execution {
  readonly workingDir: string;
  readonly inputDir: string;
  /** True when the run is inside bubblewrap with /kaggle mounted. */
  readonly sandboxed: boolean;
  /** Everything logged so far (in queue mode: what is not read yet). */
  readLog(): Promise<LogEntry[]>;
  /** Replays the log from the start, then follows it live; ends when the process ends. */
  follow(signal?: AbortSignal): AsyncIterable<LogEntry>;
  readonly done: Promise<ExecutionResult>;
  /** Stops the run (status `cancelled`). */
  kill(): void;
  /** Persistent runs: stops following the run and leaves it running (`done` never settles). */
  detach?: () => void;
}

async function placeInput(localPath: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  // A hard link costs nothing for big inputs; across devices fall back to a copy.
  try {
    await link(localPath, target);
  } catch {
    await copyFile(localPath, target);
  }
}

/** A Kaggle session never sees the account's API credentials; neither does a local one. */
const CREDENTIAL_VARS = ['KAGGLE_KEY', 'KAGGLE_USERNAME', 'KAGGLE_API_TOKEN', 'KAGGLE_CONFIG_DIR'];

function withoutCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of CREDENTIAL_VARS) delete copy[name];
  return copy;
}

export async function startExecution(options: ExecutionOptions): Promise<Execution> {
  const dir = resolve(options.dir);
  const inputDir = join(dir, 'input');
  const workingDir = join(dir, 'working');
  const sourceDir = join(dir, 'src');
  const tempDir = join(dir, 'temp');
  const tmpDir = join(dir, 'tmp');
  const homeDir = join(dir, 'home');
  await Promise.all(
    [inputDir, workingDir, sourceDir, tempDir, tmpDir, homeDir].map((d) =>
      mkdir(d, { recursive: true }),
    ),
  );
  const internet = options.internet ?? true;
  const mode = options.sandbox ?? 'auto';
  const sandboxed =
    mode === 'bwrap' || (mode === 'auto' && (await sandboxAvailable(process.env, internet)));
  const seen = (hostPath: string, inside: string) => (sandboxed ? inside : hostPath);
  let python = options.python ?? readEnv('KAGGLE_RUN_PYTHON') ?? 'python3';
  let launcherEnv: Record<string, string> = {};
  let interpreter: string[] = [];
  if (sandboxed && options.pythonResolved !== true) {
    // A launcher (a pyenv shim under the home folder) does not exist inside the sandbox:
    // start the interpreter it would start, with the variables it would set.
    // Asked beside the run's folder, not in it: a version manager would find no version
    // file in the folders just made, and the answer, kept per folder, is then reused by
    // every run instead of costing a Python start (and a new cache entry) each time.
    const resolved = await resolveInterpreter(python, dirname(dir));
    if (resolved !== undefined) {
      python = resolved.executable;
      launcherEnv = resolved.env;
    }
  }
  if (sandboxed) interpreter = await interpreterFolders(python);
  // A sandbox started ahead with folders of its own, when one waits for these settings.
  const spareKey = sandboxed
    ? JSON.stringify(['bwrap', python, internet, interpreter, options.hidden ?? []])
    : undefined;
  const spare =
    spareKey !== undefined && options.persistent === true
      ? options.spares?.take(spareKey)
      : undefined;
  if (spare?.folders !== undefined) await adoptSpareFolders(spare.folders, dir);
  for (const input of options.inputs) {
    const target = resolve(inputDir, input.target);
    if (!target.startsWith(inputDir + '/'))
      throw new Error(`input target escapes: ${input.target}`);
    await placeInput(input.localPath, target);
  }

  const scriptName = options.kind === 'notebook' ? '__runner__.py' : '__script__.py';
  if (options.kind === 'notebook') {
    await writeFile(join(sourceDir, NOTEBOOK_SOURCE_FILE), options.source);
    const notebookPath = seen(
      join(sourceDir, NOTEBOOK_SOURCE_FILE),
      `${SANDBOX_ROOT}/src/${NOTEBOOK_SOURCE_FILE}`,
    );
    await writeFile(join(sourceDir, scriptName), notebookRunnerSource(notebookPath));
  } else {
    await writeFile(join(sourceDir, scriptName), options.source);
  }
  const inputRoot = seen(inputDir, `${SANDBOX_ROOT}/input`);
  const inputMap = Object.fromEntries(
    Object.entries(options.inputMap ?? {}).map(([ref, folder]) => [ref, `${inputRoot}/${folder}`]),
  );
  await writeFile(join(sourceDir, INPUTS_FILE), JSON.stringify(inputMap, null, 2) + '\n');

  const script = seen(join(sourceDir, scriptName), `${SANDBOX_ROOT}/src/${scriptName}`);
  const env: NodeJS.ProcessEnv = {
    ...withoutCredentials(process.env),
    ...launcherEnv,
    ...options.env,
    PYTHONUNBUFFERED: '1',
    KAGGLE_RUN_INPUT_DIR: inputRoot,
    KAGGLE_RUN_WORKING_DIR: seen(workingDir, `${SANDBOX_ROOT}/working`),
    KAGGLE_RUN_TEMP_DIR: seen(tempDir, `${SANDBOX_ROOT}/temp`),
    KAGGLE_RUN_INPUTS: JSON.stringify(inputMap),
    KAGGLE_RUN_INPUTS_FILE: seen(
      join(sourceDir, INPUTS_FILE),
      `${SANDBOX_ROOT}/src/${INPUTS_FILE}`,
    ),
    KAGGLE_RUN_SANDBOX: sandboxed ? 'bwrap' : 'none',
  };
  if (options.pythonPath !== undefined && options.pythonPath.length > 0) {
    const inside = options.pythonPath.map((folder) =>
      sandboxed && folder.startsWith(`${sourceDir}/`)
        ? `${SANDBOX_ROOT}/src/${folder.slice(sourceDir.length + 1)}`
        : folder,
    );
    const inherited = options.env?.PYTHONPATH ?? launcherEnv.PYTHONPATH ?? readEnv('PYTHONPATH');
    env.PYTHONPATH = [...inside, ...(inherited === undefined ? [] : [inherited])].join(delimiter);
  }
  // Outside the sandbox the program's temporary files at least stay out of the shared /tmp.
  if (!sandboxed) env.TMPDIR = tmpDir;
  if (!sandboxed && options.codeRecycleDir !== undefined) {
    env.KAGGLE_RUN_CODE_RECYCLE = options.codeRecycleDir;
  }
  if (options.accelerator === 'none') env.CUDA_VISIBLE_DEVICES = '';

  // The harness needs only the standard library, so it starts without site (-S): Python's
  // start is then ~8 ms instead of ~35 with a usual site-packages (its .pth files). Its
  // program gets site as usual, and the harness adds it itself before nbclient or the device
  // check (startup.py). Any other kernel source starts as Kaggle starts it.
  const interpreterFlags = harnessStartsWithoutSite(options.source) ? ['-S', '-u'] : ['-u'];
  const command = sandboxed ? 'bwrap' : python;
  const args = sandboxed
    ? [
        ...bwrapArgs({
          inputDir,
          workingDir,
          sourceDir,
          tempDir,
          tmpDir,
          homeDir,
          internet,
          interpreter,
          hidden: options.hidden,
        }),
        python,
        ...interpreterFlags,
        script,
      ]
    : [...interpreterFlags, script];
  // Only where bubblewrap was wanted but is missing or turned off (not an explicit `none`).
  if (!sandboxed && mode === 'auto' && options.announceFallback === true) {
    const data = fallbackNote({ workingDir, inputDir, tempDir, internet });
    // The wrappers append to this file: the note comes first in the session's log.
    await mkdir(sessionDir(dir), { recursive: true });
    await appendFile(
      join(sessionDir(dir), 'log.jsonl'),
      JSON.stringify({ stream_name: 'stderr', time: 0, data }) + '\n',
    );
  }
  const startedAtMs = Date.now();
  const startedAt = new Date(startedAtMs).toISOString();
  if (options.persistent === true) {
    const execution = await spawnPersistent(
      {
        python,
        command,
        args,
        interpreterFlags,
        cwd: workingDir,
        env,
        script,
        spares: sandboxed ? undefined : options.spares,
        ...(spare === undefined ? {} : { spare, spareCwd: `${SANDBOX_ROOT}/working` }),
        // Bubblewrap sets these in a cold sandbox; a spare's kernel takes the env as given.
        ...(sandboxed
          ? {
              spareEnv: {
                ...env,
                HOME: sandboxHome(),
                TMPDIR: '/tmp',
                PWD: `${SANDBOX_ROOT}/working`,
              },
            }
          : {}),
      },
      {
        dir,
        inputDir,
        workingDir,
        sandboxed,
        startedAtMs,
        startedAt,
        timeoutSeconds: options.timeoutSeconds,
      },
    );
    // The next session with these settings finds a sandbox waiting (fill() waits a little).
    if (spareKey !== undefined) {
      options.spares?.fill(spareKey, env, python, {
        command: (folders) => [
          'bwrap',
          ...bwrapArgs({
            inputDir: join(folders, 'input'),
            workingDir: join(folders, 'working'),
            sourceDir: join(folders, 'src'),
            tempDir: join(folders, 'temp'),
            tmpDir: join(folders, 'tmp'),
            homeDir: join(folders, 'home'),
            internet,
            interpreter,
            hidden: options.hidden,
          }),
        ],
      });
    }
    return execution;
  }
  // A harness takes what earlier runs compiled of its modules (harness-code-cache.ts), and
  // a plain script's interpreter starts first, while the harness loads (harness/bootstrap.py).
  const harness = interpreterFlags[0] === '-S';
  const code = harness ? await openHarnessCode(python, options.source) : undefined;
  const early =
    harness && harnessRunsPlainScript(options.source)
      ? { KAGGLE_RUN_PROGRAM_BOOT: PROGRAM_BOOT_SOURCE }
      : undefined;
  // detached: the child leads its own process group, so the whole tree can be killed.
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: workingDir,
      env: { ...env, ...code?.env, ...early },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', ...(code?.descriptors ?? [])],
    });
  } catch (error) {
    await code?.settle();
    throw error;
  }
  return track(child, options.keepLog ?? true, code && (() => code.settle()), {
    dir,
    inputDir,
    workingDir,
    sandboxed,
    startedAtMs,
    startedAt,
    timeoutSeconds: options.timeoutSeconds,
  });
}

export interface RunInfo {
  dir: string;
  inputDir: string;
  workingDir: string;
  sandboxed: boolean;
  startedAtMs: number;
  startedAt: string;
  timeoutSeconds: number;
}

/** `settle`: what is left to do once the process has ended, before the run counts as done. */
function track(
  child: ChildProcess,
  keepLog: boolean,
  settle: (() => Promise<void>) | undefined,
  info: RunInfo,
): Execution {
  const live = new LiveLog(keepLog);
  const append = (entry: LogEntry) => live.push(entry);
  const hold = () => live.full();
  let ending: ExecutionStatus | undefined;
  const stop = (why: ExecutionStatus) => {
    ending ??= why;
    killTree(child);
  };
  const timer = setTimeout(() => stop('timeout'), info.timeoutSeconds * 1000);
  const outputs = Promise.all([
    collectLines(child.stdout!, 'stdout', info.startedAtMs, append, hold),
    collectLines(child.stderr!, 'stderr', info.startedAtMs, append, hold),
  ]);
  const done = new Promise<ExecutionResult>((resolveDone) => {
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Leftover background processes of the run die with it, as on Kaggle.
      killTree(child, 'SIGKILL');
      void Promise.all([outputs, settle?.()]).then(() => {
        if (spawnError !== undefined) {
          append({ stream_name: 'stderr', time: 0, data: `cannot start ${spawnError.message}\n` });
        }
        const exitCode = code ?? (signal === null ? null : 128);
        const status: ExecutionStatus = ending ?? (exitCode === 0 ? 'complete' : 'error');
        live.finish();
        resolveDone({
          status,
          exitCode,
          startedAt: info.startedAt,
          endedAt: new Date().toISOString(),
        });
      });
    });
  });

  return {
    workingDir: info.workingDir,
    inputDir: info.inputDir,
    sandboxed: info.sandboxed,
    readLog: () => Promise.resolve([...live.entries]),
    follow: (signal) => live.follow(signal),
    done,
    kill: () => stop('cancelled'),
  };
}
