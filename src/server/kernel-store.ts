// The server's memory of kernels and their versions, kept in the data folder so a restarted
// server still knows them and serves their outputs:
//
//   <data>/server.json                            URL-signing secret, next kernel id
//   <data>/kernels/<owner>/<slug>/kernel.json     kernel metadata and every version's state
//   <data>/kernels/<owner>/<slug>/meta/<N>.source the source pushed as version N
//   <data>/kernels/<owner>/<slug>/meta/<N>.log    its persisted log (Kaggle's JSON array text)
//   <data>/kernels/<owner>/<slug>/<N>/            the executor's folder: input/ working/ src/
//
// The in-memory records are the truth while the server runs; every change is written
// through with atomic writes, queued per file so an older state never lands last.

import { randomBytes } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Accelerator } from '../accelerator.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.js';
import { isTerminalKernelStatus } from '../kaggle/enums.js';

export type KernelStatus =
  'QUEUED' | 'RUNNING' | 'COMPLETE' | 'ERROR' | 'CANCEL_REQUESTED' | 'CANCEL_ACKNOWLEDGED';

/** The server's statuses are Kaggle's: one rule for which of them end a version. */
export function isTerminalStatus(status: KernelStatus): boolean {
  return isTerminalKernelStatus(status);
}

/** Which weekly quota a session draws from. */
export type QuotaKind = 'gpu' | 'tpu' | 'cpu';

export interface VersionRecord {
  number: number;
  status: KernelStatus;
  failureMessage?: string | undefined;
  createdAt: string;
  startedAt?: string | undefined;
  endedAt?: string | undefined;
  exitCode?: number | null | undefined;
  accelerator: Accelerator;
  machineShape: string | null;
  quotaKind: QuotaKind;
  timeoutSeconds: number;
}

export interface KernelRecord {
  id: number;
  owner: string;
  slug: string;
  title: string;
  language: string;
  kernelType: 'script' | 'notebook';
  isPrivate: boolean;
  enableGpu: boolean;
  enableTpu: boolean;
  enableInternet: boolean;
  machineShape: string | null;
  dockerImage: string | null;
  dockerImagePinningType: string | null;
  categoryIds: string[];
  datasetDataSources: string[];
  kernelDataSources: string[];
  competitionDataSources: string[];
  modelDataSources: string[];
  createdAt: string;
  versions: VersionRecord[];
}

interface ServerState {
  secret: string;
  nextKernelId: number;
}

export const RESTARTED_MESSAGE =
  'The kaggle-run server stopped while this session was running; push again to rerun it.';

export const PROCESS_GONE_MESSAGE =
  "The session's process disappeared (killed while the kaggle-run server was not watching); push again to rerun it.";

export class KernelStore {
  private readonly kernels = new Map<string, KernelRecord>();
  private readonly writes = new Map<string, Promise<void>>();

  private constructor(
    readonly dataDir: string,
    private state: ServerState,
  ) {}

  /**
   * Loads every kernel. Versions still QUEUED or RUNNING are returned in `unfinished`: their
   * process may outlive the server that started it, and the session runner adopts them.
   */
  static async open(dataDir: string): Promise<{
    store: KernelStore;
    warnings: string[];
    unfinished: { kernel: KernelRecord; version: VersionRecord }[];
  }> {
    const unfinished: { kernel: KernelRecord; version: VersionRecord }[] = [];
    const warnings: string[] = [];
    const statePath = join(dataDir, 'server.json');
    let state: ServerState;
    try {
      state = JSON.parse(await readFile(statePath, 'utf8')) as ServerState;
    } catch {
      state = { secret: randomBytes(32).toString('hex'), nextKernelId: 1 };
    }
    const store = new KernelStore(dataDir, state);
    const root = join(dataDir, 'kernels');
    for (const owner of await readdirOrEmpty(root)) {
      for (const slug of await readdirOrEmpty(join(root, owner))) {
        const file = join(root, owner, slug, 'kernel.json');
        let kernel: KernelRecord;
        try {
          kernel = JSON.parse(await readFile(file, 'utf8')) as KernelRecord;
        } catch (error) {
          warnings.push(`skipping unreadable ${file}: ${String(error)}`);
          continue;
        }
        for (const version of kernel.versions) {
          if (!isTerminalStatus(version.status)) unfinished.push({ kernel, version });
        }
        store.kernels.set(`${kernel.owner}/${kernel.slug}`, kernel);
        state.nextKernelId = Math.max(state.nextKernelId, kernel.id + 1);
      }
    }
    await store.saveState();
    return { store, warnings, unfinished };
  }

  get secret(): string {
    return this.state.secret;
  }

  get(owner: string, slug: string): KernelRecord | undefined {
    return this.kernels.get(`${owner}/${slug}`);
  }

  getById(id: number): KernelRecord | undefined {
    for (const kernel of this.kernels.values()) if (kernel.id === id) return kernel;
    return undefined;
  }

  all(): KernelRecord[] {
    return [...this.kernels.values()];
  }

  /** True while `kernel` is the record the store holds (not deleted, not replaced). */
  isCurrent(kernel: KernelRecord): boolean {
    return this.kernels.get(`${kernel.owner}/${kernel.slug}`) === kernel;
  }

  /** Registers a new kernel in memory at once (so a racing push sees it) and gives it an id. */
  insert(kernel: Omit<KernelRecord, 'id'>): KernelRecord {
    const record: KernelRecord = { ...kernel, id: this.state.nextKernelId++ };
    this.kernels.set(`${record.owner}/${record.slug}`, record);
    return record;
  }

  async remove(kernel: KernelRecord): Promise<void> {
    if (!this.isCurrent(kernel)) return;
    this.kernels.delete(`${kernel.owner}/${kernel.slug}`);
    await this.flush();
    await rm(this.kernelDir(kernel), { recursive: true, force: true });
  }

  kernelDir(kernel: KernelRecord): string {
    return join(this.dataDir, 'kernels', kernel.owner, kernel.slug);
  }

  /** The executor's folder for version `n` (holds input/, working/, src/). */
  versionDir(kernel: KernelRecord, n: number): string {
    return join(this.kernelDir(kernel), String(n));
  }

  workingDir(kernel: KernelRecord, n: number): string {
    return join(this.versionDir(kernel, n), 'working');
  }

  private metaPath(kernel: KernelRecord, n: number, ext: string): string {
    return join(this.kernelDir(kernel), 'meta', `${n}.${ext}`);
  }

  /** Writes the kernel's record; a no-op once the kernel was deleted. */
  save(kernel: KernelRecord): Promise<void> {
    if (!this.isCurrent(kernel)) return Promise.resolve();
    const path = join(this.kernelDir(kernel), 'kernel.json');
    return this.queue(path, () => writeJsonAtomic(path, kernel));
  }

  saveState(): Promise<void> {
    const path = join(this.dataDir, 'server.json');
    return this.queue(path, () => writeJsonAtomic(path, { ...this.state }));
  }

  writeSource(kernel: KernelRecord, n: number, source: string): Promise<void> {
    const path = this.metaPath(kernel, n, 'source');
    return this.queue(path, () => writeFileAtomic(path, source));
  }

  async readSource(kernel: KernelRecord, n: number): Promise<string> {
    return readFile(this.metaPath(kernel, n, 'source'), 'utf8');
  }

  writeLog(kernel: KernelRecord, n: number, text: string): Promise<void> {
    if (!this.isCurrent(kernel)) return Promise.resolve();
    const path = this.logPath(kernel, n);
    return this.queue(path, () => writeFileAtomic(path, text));
  }

  /** Where version `n`'s persisted log lives (written as the session runs: log-persist.ts). */
  logPath(kernel: KernelRecord, n: number): string {
    return this.metaPath(kernel, n, 'log');
  }

  /** The persisted log text, or undefined when none was written. */
  async readLog(kernel: KernelRecord, n: number): Promise<string | undefined> {
    try {
      return await readFile(this.logPath(kernel, n), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Waits for every queued write. */
  async flush(): Promise<void> {
    await Promise.all([...this.writes.values()]);
  }

  private queue(path: string, write: () => Promise<void>): Promise<void> {
    const previous = this.writes.get(path) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(write);
    this.writes.set(path, next);
    const clear = () => {
      if (this.writes.get(path) === next) this.writes.delete(path);
    };
    next.then(clear, clear);
    return next;
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}
