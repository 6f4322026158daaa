// The run record's one owner. `run`, `attach`, `logs -f` and sweeps change a run's record
// only through these transitions: each says what happened, moves the step forward (never
// back: a step says how far the run got), and saves the record before it returns, so a
// process killed at any point leaves a record that tells the truth.

import { InternalError } from '../errors.js';
import type { Manifest } from '../manifest.js';
import type { RemoteStatus, RunHandle } from '../platform/platform.js';
import type { RunStore } from '../store/run-store.js';
import { wheelCacheUse } from '../requirements/wheel-cache.js';
import type {
  OutputRecord,
  RunRecord,
  RunStatus,
  RunStep,
  ShippingRecord,
  WheelCacheRecord,
} from './record.js';

const STEPS: readonly RunStep[] = [
  'created',
  'packed',
  'installing',
  'pushing',
  'pushed',
  'watching',
  'fetching',
  'done',
];

/** How a run ended, as finish-run decides it from the platform's status and the manifest. */
export interface RunEnd {
  status: RunStatus;
  exitCode: number | null;
  error: RunRecord['error'];
  outputs: OutputRecord[];
  manifest: Manifest | undefined;
  timings: RunRecord['timings'];
}

/**
 * Where a run's record and log are kept: the project's run store, or memory for a kernel
 * folder's push, which keeps no record.
 */
export type RecordKeeper = Pick<RunStore, 'save' | 'appendLog' | 'readLog' | 'runDir'>;

export class RunLifecycle {
  private constructor(
    readonly record: RunRecord,
    readonly store: RecordKeeper,
  ) {}

  /** A new run: its record is written before anything else happens. */
  static async create(store: RunStore, record: RunRecord): Promise<RunLifecycle> {
    if (record.step !== 'created') {
      throw new InternalError(`a new run starts at step created, not ${record.step}`);
    }
    await store.create(record);
    return new RunLifecycle(record, store);
  }

  /** A recorded run picked up by this process (attach, logs -f, a resumed sweep). */
  static resume(store: RecordKeeper, record: RunRecord): RunLifecycle {
    return new RunLifecycle(record, store);
  }

  get runId(): string {
    return this.record.runId;
  }

  /** Whether nothing is left to do: the run ended, or can never be had. */
  get finished(): boolean {
    return this.record.step === 'done' || this.record.endedAt !== null;
  }

  /** Kept with the next save (a warning is never worth a write of its own). */
  warn(message: string): void {
    this.record.warnings.push(message);
  }

  save(): Promise<void> {
    return this.store.save(this.record);
  }

  /** The code was packed: its hash is what an in-flight twin is recognised by. */
  packed(codeHash: string): Promise<void> {
    return this.advance('packed', { codeHash });
  }

  /** The platform installs the requirements before the push (locally: the project's venv). */
  installing(): Promise<void> {
    return this.advance('installing');
  }

  /** Code, data and env values are where the kernel will find them. */
  shipped(
    shipping: ShippingRecord,
    image: string | null,
    wheelCache: WheelCacheRecord | null = null,
  ): Promise<void> {
    return this.change({ shipping, image, ...(wheelCache === null ? {} : { wheelCache }) });
  }

  /**
   * The push is about to be sent: the kernel and its version before the push let `attach`
   * tell, after a kill, whether the push landed.
   */
  pushing(kernel: string, versionBefore: number | null): Promise<void> {
    return this.advance('pushing', { kernel, versionBeforePush: versionBefore });
  }

  /** The platform took the push (or `attach` found that it had). */
  pushed(handle: Pick<RunHandle, 'kernel' | 'version' | 'url'>): Promise<void> {
    return this.advance('pushed', {
      kernel: handle.kernel,
      kernelUrl: handle.url ?? this.record.kernelUrl,
      version: handle.version,
      startedAt: this.record.startedAt ?? new Date().toISOString(),
    });
  }

  /** The process killed during a push had not landed it: the run never reached the platform. */
  neverPushed(message: string): Promise<void> {
    return this.advance('done', {
      status: 'error',
      endedAt: new Date().toISOString(),
      error: { kind: 'platform', message },
    });
  }

  /** Watching begins (again, after an attach): an earlier error is no longer the story. */
  watching(): Promise<void> {
    return this.advance('watching', { error: null });
  }

  /** A status change while the run goes on; terminal ones are recorded by `finish`. */
  remote(status: RemoteStatus): Promise<void> {
    if (status === 'queued' || status === 'running') this.record.status = status;
    return this.save();
  }

  /** The harness's start line arrived: the session began (kept with the next save). */
  sessionStarted(): void {
    this.record.sessionStartedAt ??= new Date().toISOString();
  }

  fetching(): Promise<void> {
    return this.advance('fetching');
  }

  /** Outputs verified so far, kept while the rest is retried. */
  fetchedSome(outputs: OutputRecord[]): Promise<void> {
    return this.change({ outputs });
  }

  /** The run ended and everything it left was fetched and verified. */
  finish(end: RunEnd): Promise<void> {
    const cache = this.record.wheelCache;
    const use = wheelCacheUse(end.manifest);
    if (cache && use?.key === cache.key) {
      this.record.wheelCache = { ...cache, installedFrom: use.installedFrom, kept: use.kept };
    }
    return this.advance('done', {
      outputs: end.outputs,
      status: end.status,
      exitCode: end.exitCode,
      error: end.error,
      acceleratorSeen: end.manifest?.acceleratorSeen ?? null,
      pythonVersion: end.manifest?.pythonVersion ?? null,
      timings: end.timings,
      endedAt: new Date().toISOString(),
    });
  }

  /**
   * The run stopped here. `ends`: nothing goes on anywhere (a local run, or one never
   * pushed), so the record ends with a status that says how; otherwise it stays open for
   * `attach`. `lost`: what the run left cannot be had any more, so nothing is left to do.
   */
  failed(
    error: NonNullable<RunRecord['error']>,
    how: { ends: boolean; status: RunStatus; lost: boolean },
  ): Promise<void> {
    const fields: Partial<RunRecord> = { error };
    if (how.ends) {
      fields.status = how.status;
      fields.endedAt = new Date().toISOString();
    }
    return how.lost ? this.advance('done', fields) : this.change(fields);
  }

  private change(fields: Partial<RunRecord>): Promise<void> {
    Object.assign(this.record, fields);
    return this.save();
  }

  /** Moves to `step` or stays at a later one: a step says how far the run got. */
  private advance(step: RunStep, fields: Partial<RunRecord> = {}): Promise<void> {
    const from = STEPS.indexOf(this.record.step);
    if (from === STEPS.length - 1 && step !== 'done') {
      throw new InternalError(`run ${this.runId} is done; it cannot move to ${step}`);
    }
    Object.assign(this.record, fields, { step: STEPS[Math.max(from, STEPS.indexOf(step))] });
    return this.save();
  }
}
