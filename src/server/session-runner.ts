// Runs pushed versions on the local executor and moves their status QUEUED -> RUNNING ->
// COMPLETE / ERROR, persisting each step. The log is persisted as the session prints it
// (log-persist.ts) and completed before the terminal status becomes visible, so a client that sees COMPLETE always finds the log; and the live log
// (END_OF_LOG) ends only once that status is saved, so a client that checks the status the
// moment the log ends finds the run over instead of polling again later.

import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import { harnessRunsNotebook } from '../harness/rendered.js';
import { HARNESS_MODULES_PATH } from '../harness/render.js';
import { allSettledOrThrow } from '../util/all-settled.js';
import { packageRoot } from '../util/package-root.js';
import { readEnv } from '../env.js';
import {
  adoptExecution,
  type Execution,
  type ExecutionResult,
  type startExecution,
} from '../platform/local/executor.js';
import {
  chooseInterpreter,
  resolveInterpreter,
  type ResolvedInterpreter,
} from '../platform/local/python.js';
import { sessionDir } from '../platform/local/detached-run.js';
import { SparePool } from '../platform/local/spare-pool.js';
import { sleep } from './http-util.js';
import {
  PROCESS_GONE_MESSAGE,
  RESTARTED_MESSAGE,
  type KernelRecord,
  type KernelStore,
  type KernelStatus,
  type VersionRecord,
} from './kernel-store.js';
import { PersistedLogWriter } from './log-persist.js';
import { removeSessionSecrets, writeSessionSecrets } from './session-secrets.js';
import { handKeptCodeToSession, takeKeptCodeBack } from './kept-code-copies.js';

export interface LiveSession {
  readonly kernel: KernelRecord;
  readonly version: VersionRecord;
  /** The execution once it started; undefined when it never did (cancelled, failed to start). */
  readonly execution: Promise<Execution | undefined>;
  /** Settles (never rejects) once the version's terminal status is saved. */
  readonly finished: Promise<void>;
  /** Stops the session; `reason` becomes its failure message. */
  cancel(reason: string): void;
  /** Stops following the session and leaves its process running for a later server. */
  detach(): Promise<void>;
}

interface ChosenInterpreter {
  /** As chosen (`--python`, KAGGLE_RUN_PYTHON or a candidate such as `python3`). */
  command: string;
  /** What it really starts; undefined when it does not run. */
  resolved: ResolvedInterpreter | undefined;
  /** For the session's log: the notebook runs under another Python than scripts do. */
  note?: string;
}

/** A line at the top of a session's log, before the session writes its own. */
async function logNote(versionDir: string, data: string): Promise<void> {
  const dir = sessionDir(versionDir);
  await mkdir(dir, { recursive: true });
  await appendFile(
    join(dir, 'log.jsonl'),
    JSON.stringify({ stream_name: 'stderr', time: 0, data }) + '\n',
  );
}

/** adopt() found no trace of a process: the server stopped before starting it. */
class NeverStarted extends Error {}

export interface SessionStart {
  kernel: KernelRecord;
  version: VersionRecord;
  source: string;
  inputs: { localPath: string; target: string }[];
  /** Each attached source and its folder under input/ (KAGGLE_RUN_INPUTS). */
  inputMap?: Readonly<Record<string, string>> | undefined;
  /** Extra time the version stays QUEUED (the `queue` fault). */
  queueDelayMs: number;
  /** The account's user secrets, for kaggle_secrets in the session (none: an empty module). */
  secrets?: Readonly<Record<string, string>> | undefined;
}

export interface SessionRunnerDeps {
  store: KernelStore;
  startExecution: typeof startExecution;
  python?: string | undefined;
  sandbox?: 'auto' | 'bwrap' | 'none' | undefined;
  /**
   * What no session may see: the data folder (every account's kernels, datasets and the
   * URL-signing key), the accounts file, the seed folder.
   */
  hidden?: readonly string[] | undefined;
}

function terminalState(
  result: ExecutionResult,
  version: VersionRecord,
  cancelReason: string | undefined,
): { status: KernelStatus; failureMessage?: string } {
  switch (result.status) {
    case 'complete':
      return { status: 'COMPLETE' };
    case 'error':
      return {
        status: 'ERROR',
        failureMessage:
          result.exitCode === null
            ? 'The kernel process was killed by a signal.'
            : `The kernel exited with code ${result.exitCode}.`,
      };
    case 'timeout':
      return {
        status: 'ERROR',
        failureMessage: `Session timed out after ${version.timeoutSeconds} seconds (sessionTimeoutSeconds).`,
      };
    case 'cancelled':
      return cancelReason === undefined
        ? { status: 'CANCEL_ACKNOWLEDGED' }
        : { status: 'ERROR', failureMessage: cancelReason };
  }
}

/** Ends `follow` only once `finished` settled (or the reader went away). */
function followToStatus(execution: Execution, finished: () => Promise<void>): Execution {
  return {
    get workingDir() {
      return execution.workingDir;
    },
    get inputDir() {
      return execution.inputDir;
    },
    get sandboxed() {
      return execution.sandboxed;
    },
    readLog: () => execution.readLog(),
    done: execution.done,
    kill: () => execution.kill(),
    ...(execution.detach === undefined ? {} : { detach: execution.detach }),
    follow: async function* (signal?: AbortSignal) {
      yield* execution.follow(signal);
      if (signal?.aborted === true) return;
      await new Promise<void>((resolve) => {
        signal?.addEventListener('abort', () => resolve(), { once: true });
        void finished().then(resolve);
      });
    },
  };
}

export class SessionRunner {
  private readonly live = new Map<string, LiveSession>();
  private readonly interpreters = new Map<'script' | 'notebook', Promise<ChosenInterpreter>>();
  /**
   * Launchers resolved, by command: scripts and notebooks often share one interpreter, and
   * warm() asks for both kinds at once, before either answer is in the probe cache.
   */
  private readonly resolved = new Map<string, Promise<ResolvedInterpreter | undefined>>();
  /** Pre-started session processes: a session start then skips the interpreter start-ups. */
  private readonly spares: SparePool;

  constructor(private readonly deps: SessionRunnerDeps) {
    this.spares = new SparePool({
      tag: `kaggle-run-spare:${deps.store.dataDir}`,
      // Beside the sessions' folders (one file system): sandboxed spares' folders move there.
      folderRoot: join(deps.store.dataDir, 'spares'),
      harnessModules: join(packageRoot(), HARNESS_MODULES_PATH),
    });
  }

  /**
   * The interpreter a session of `kind` starts, chosen once per server and kind by the rule
   * local runs follow (chooseInterpreter): `--python`, else KAGGLE_RUN_PYTHON, else the first
   * candidate that runs, a notebook falling back to one that has nbclient (`note` says so in
   * its log). Resolved behind launchers: through a pyenv shim each start would cost ~100 ms
   * twice (wrapper and harness). Asked in the data folder, where the sessions run. No
   * interpreter: the command as given (it may not run; the session then says so). The server
   * asks at start-up (warm()), off the first push's path.
   */
  private resolvePython(kind: KernelRecord['kernelType']): Promise<ChosenInterpreter> {
    const key = kind === 'notebook' ? 'notebook' : 'script';
    let chosen = this.interpreters.get(key);
    if (chosen === undefined) {
      chosen = this.choosePython(key === 'notebook');
      this.interpreters.set(key, chosen);
    }
    return chosen;
  }

  private async choosePython(needNotebook: boolean): Promise<ChosenInterpreter> {
    const cwd = this.deps.store.dataDir;
    const explicit = this.deps.python ?? readEnv('KAGGLE_RUN_PYTHON');
    const choice =
      explicit === undefined
        ? await chooseInterpreter({ explicit, needNotebook, cwd }).catch(() => undefined)
        : undefined;
    const command = explicit ?? choice?.python.command ?? 'python3';
    let resolved = this.resolved.get(command);
    if (resolved === undefined) {
      resolved = resolveInterpreter(command, cwd);
      this.resolved.set(command, resolved);
    }
    return {
      command,
      resolved: await resolved,
      ...(choice?.note === undefined ? {} : { note: choice.note }),
    };
  }

  /** Resolves the interpreters now, so that the first session does not wait for them. */
  warm(): void {
    void this.resolvePython('script');
    void this.resolvePython('notebook');
  }

  /** The live session of a version, while it is queued or running. */
  get(kernel: KernelRecord, n: number): LiveSession | undefined {
    const session = this.live.get(`${kernel.id}/${n}`);
    return session?.kernel === kernel ? session : undefined;
  }

  /** Sessions running and queued: all of them, or those of `owner`'s kernels. */
  counts(owner?: string): { running: number; queued: number } {
    let running = 0;
    let queued = 0;
    for (const session of this.live.values()) {
      if (owner !== undefined && session.kernel.owner !== owner) continue;
      if (session.version.status === 'RUNNING') running++;
      else if (session.version.status === 'QUEUED') queued++;
    }
    return { running, queued };
  }

  start(request: SessionStart): LiveSession {
    const { kernel, version } = request;
    const { store } = this.deps;
    return this.track(kernel, version, async (abort, cancelled) => {
      // A kaggle-run harness that runs a notebook is a script kernel needing a notebook's
      // interpreter, as the same job run locally gets.
      const python = this.resolvePython(
        harnessRunsNotebook(request.source) ? 'notebook' : kernel.kernelType,
      );
      if (request.queueDelayMs > 0) await sleep(request.queueDelayMs, abort);
      if (cancelled()) return undefined;
      const chosen = await python;
      const interpreter = chosen.resolved;
      if (cancelled()) return undefined;
      const versionDir = store.versionDir(kernel, version.number);

      // kaggle_secrets on PYTHONPATH, its values in a 0600 file (session-secrets.ts), and the
      // kept code copies: both at once, in the version's folder made first (0700 where it is
      // new), so neither write makes it with its own mode. Both settle before a failure is
      // thrown: what is released after it must be in place.
      await mkdir(versionDir, { recursive: true, mode: 0o700 });
      if (chosen.note !== undefined) await logNote(versionDir, `kaggle-run: ${chosen.note}\n`);
      const [secretsFolder = '', keptCode = ''] = await allSettledOrThrow([
        writeSessionSecrets(versionDir, request.secrets ?? {}),
        handKeptCodeToSession(store.kernelDir(kernel), versionDir),
      ]);
      const started = await this.deps.startExecution({
        dir: versionDir,
        source: request.source,
        kind: kernel.kernelType,
        inputs: request.inputs,
        accelerator: version.accelerator,
        timeoutSeconds: version.timeoutSeconds,
        python: interpreter?.executable ?? chosen.command,
        pythonResolved: interpreter !== undefined,
        sandbox: this.deps.sandbox,
        internet: kernel.enableInternet,
        inputMap: request.inputMap,
        hidden: [store.dataDir, ...(this.deps.hidden ?? [])],
        pythonPath: [secretsFolder],
        announceFallback: true,
        codeRecycleDir: keptCode,
        // Output goes to files, so the session outlives this server (see adopt()).
        persistent: true,
        spares: this.spares,
        env: {
          ...interpreter?.env,
          // As in a Kaggle batch session ("Save & Run All").
          KAGGLE_KERNEL_RUN_TYPE: 'Batch',
          // The server emulates every machine shape on this machine's hardware: the harness
          // warns about a missing GPU instead of failing as it must on real Kaggle.
          KAGGLE_RUN_ACCELERATOR_CHECK: 'warn',
        },
      });
      version.startedAt = new Date().toISOString();
      return started;
    });
  }

  /**
   * Follows again a version an earlier server left QUEUED or RUNNING: its process may still
   * run (it outlives the server), or may have ended meanwhile (then it is finalized now).
   */
  adopt(kernel: KernelRecord, version: VersionRecord): LiveSession {
    const dir = this.deps.store.versionDir(kernel, version.number);
    return this.track(kernel, version, async () => {
      const adopted = await adoptExecution({
        dir,
        startedAt: version.startedAt ?? version.createdAt,
        timeoutSeconds: version.timeoutSeconds,
      });
      if (adopted === undefined) throw new NeverStarted();
      version.startedAt ??= version.createdAt;
      return adopted;
    });
  }

  private track(
    kernel: KernelRecord,
    version: VersionRecord,
    launch: (abort: AbortSignal, cancelled: () => boolean) => Promise<Execution | undefined>,
  ): LiveSession {
    const { store } = this.deps;
    const key = `${kernel.id}/${version.number}`;
    const abort = new AbortController();
    let cancelReason: string | undefined;
    let started: Execution | undefined;
    let startError: unknown;
    let detached = false;
    const stopPersisting = new AbortController();
    let persisted: Promise<void> = Promise.resolve();

    /** Copies the session's log to its persisted file as it grows; done when the log ends. */
    const persist = async (run: Execution): Promise<void> => {
      if (!store.isCurrent(kernel)) return;
      const writer = new PersistedLogWriter(store.logPath(kernel, version.number));
      await writer.open();
      try {
        for await (const entry of run.follow(stopPersisting.signal)) await writer.add(entry);
      } finally {
        if (stopPersisting.signal.aborted) await writer.close();
      }
      if (!stopPersisting.signal.aborted) await writer.finish();
    };

    const execution = (async (): Promise<Execution | undefined> => {
      try {
        started = await launch(abort.signal, () => cancelReason !== undefined);
      } catch (error) {
        if (cancelReason === undefined) startError = error;
        return undefined;
      }
      if (started === undefined) return undefined;
      if (cancelReason !== undefined) started.kill();
      persisted = persist(started);
      // Seen by finish(), which reports a failed write; never an unhandled rejection.
      persisted.catch(() => undefined);
      version.status = 'RUNNING';
      await store.save(kernel);
      return followToStatus(started, () => finished);
    })();

    /**
     * Hands back what the session held: its secrets removed, the code copies it kept moved
     * back to the kernel. Once, when the session ended (never fails); never for a detached session, which
     * still runs (the next server adopts it and takes them back).
     */
    let released: Promise<void> | undefined;
    /** Set once the session is over and its end is being saved: a detach then changes nothing. */
    let ending = false;
    const releaseSessionFiles = (): Promise<void> => {
      if (detached && !ending) return Promise.resolve();
      const versionDir = store.versionDir(kernel, version.number);
      released ??= Promise.all([
        removeSessionSecrets(versionDir),
        takeKeptCodeBack(store.kernelDir(kernel), versionDir),
      ]).then(
        () => undefined,
        () => undefined, // at worst the next session copies its code afresh
      );
      return released;
    };

    const finish = async (): Promise<void> => {
      const running = await execution.catch(() => undefined);
      if (running === undefined) {
        version.status = 'ERROR';
        version.failureMessage =
          cancelReason ??
          (startError instanceof NeverStarted
            ? RESTARTED_MESSAGE
            : `The session could not start: ${startError === undefined ? 'unknown error' : errorMessage(startError)}`);
        version.endedAt = new Date().toISOString();
        ending = true;
        await releaseSessionFiles(); // before the status, as below
        await store.save(kernel);
        return;
      }
      const result = await running.done;
      if (detached) return;
      ending = true; // no server will adopt it now: what it held is released whatever comes
      await persisted;
      // Before the status: a client that sees the end may push the next version at once,
      // whose session takes the copies this one kept.
      await releaseSessionFiles();
      const state =
        result.vanished === true && result.status === 'error'
          ? { status: 'ERROR' as const, failureMessage: PROCESS_GONE_MESSAGE }
          : terminalState(result, version, cancelReason);
      version.status = state.status;
      version.failureMessage = state.failureMessage;
      version.startedAt = result.startedAt;
      version.endedAt = result.endedAt;
      version.exitCode = result.exitCode;
      await store.save(kernel);
    };

    const finished = finish()
      .catch((error: unknown) => {
        // A write failed (disk full, folder removed): still end the version in memory.
        version.status = 'ERROR';
        version.failureMessage = `kaggle-run server: ${errorMessage(error)}`;
      })
      .finally(() => {
        this.live.delete(key);
        return releaseSessionFiles();
      });

    const session: LiveSession = {
      kernel,
      version,
      execution,
      finished,
      cancel: (reason: string) => {
        cancelReason ??= reason;
        abort.abort();
        started?.kill();
      },
      detach: async () => {
        const running = await execution.catch(() => undefined);
        // Over already, its end being saved: nothing is left for a later server to adopt.
        if (ending) {
          await finished;
          return;
        }
        if (running?.detach === undefined) {
          // Not started (still queued) or not detachable: stop it as close() would.
          session.cancel(RESTARTED_MESSAGE);
          await finished;
          return;
        }
        detached = true;
        stopPersisting.abort();
        running.detach();
        this.live.delete(key);
      },
    };
    this.live.set(key, session);
    return session;
  }

  /** Stops every session of a kernel (it is being deleted) and waits until they ended. */
  async stopKernel(kernel: KernelRecord, reason: string): Promise<void> {
    const sessions = [...this.live.values()].filter((s) => s.kernel === kernel);
    for (const s of sessions) s.cancel(reason);
    await Promise.all(sessions.map((s) => s.finished));
  }

  /** Leaves every session running for the next server on this data folder (see adopt()). */
  async detachAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((s) => s.detach()));
  }

  /** Ends the spare session processes nobody took (the server closes). */
  closeSpares(): Promise<void> {
    return this.spares.close();
  }

  /** Pids of the spare session processes waiting now. */
  sparePids(): number[] {
    return this.spares.pids();
  }

  async stopAll(reason: string): Promise<void> {
    const sessions = [...this.live.values()];
    for (const s of sessions) s.cancel(reason);
    await Promise.all(sessions.map((s) => s.finished));
  }
}
