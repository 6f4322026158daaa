// Every knob of `kaggle-run server`, with its default. The CLI flags map onto these one to one
// (command.ts); tests pass them directly to startServer.

import type { startExecution } from '../platform/local/executor.js';
import type { InputLayout } from '../platform/input-layout.js';
import type { Account } from './auth.js';
import type { FaultSettings } from './faults.js';

export interface ServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number | undefined;
  /** Interface to listen on; default 127.0.0.1 (loopback only: the server runs code it is sent). */
  host?: string | undefined;
  /** Folder holding kernels, versions, logs and outputs; default a new temp folder. */
  dataDir?: string | undefined;
  /** Who may call the server; default one account from KAGGLE_USERNAME / KAGGLE_KEY in `env`. */
  accounts?: Account[] | undefined;
  /** Environment the default account is read from; default process.env. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Fault injection: a spec string (`0.2`, `429=0.1,drop=0.05`) or settings; default none. */
  faults?: string | Partial<FaultSettings> | undefined;
  /** Seed of the fault PRNG; the same seed and the same requests give the same faults. */
  faultSeed?: number | undefined;
  /** Concurrent GPU/TPU sessions per user; one more push gets Kaggle's error. Default 2. */
  gpuSessions?: number | undefined;
  /** Concurrent CPU sessions per user; default unlimited. */
  cpuSessions?: number | undefined;
  /** Weekly GPU quota per user in hours; default 30. */
  gpuQuotaHours?: number | undefined;
  /** Weekly TPU quota per user in hours; default 20. */
  tpuQuotaHours?: number | undefined;
  /** Longest session, and the default when a push names none; default 12 h (43200 s). */
  sessionTimeoutSeconds?: number | undefined;
  /** Largest kernel source accepted by SaveKernel; default 1 MiB, about Kaggle's limit. */
  maxSourceBytes?: number | undefined;
  /** How long a signed output file URL stays valid; default 3600 s. */
  urlTtlSeconds?: number | undefined;
  /**
   * How long a new dataset version stays BLOBS_RECEIVED before READY; default 1000 ms. Until
   * then kernels attaching the dataset get its previous READY version (dataset-store.ts).
   */
  datasetReadyDelayMs?: number | undefined;
  /**
   * A read-only folder of seeded competitions and models, laid out as in the data folder
   * (`competitions/<slug>/`, `models/<owner>/<model>/<framework>/<variation>/<version>/`).
   */
  seedDir?: string | undefined;
  /** Python interpreter for kernels; default the executor's (KAGGLE_RUN_PYTHON, then python3). */
  python?: string | undefined;
  /** Sandbox mode for kernels (see the executor); default `auto`. */
  sandbox?: 'auto' | 'bwrap' | 'none' | undefined;
  /**
   * Every account belongs to one trusted person: without bubblewrap a session can read the
   * whole data folder (other accounts' kernels, datasets, secrets), so serving more than one
   * account then needs this. Default false.
   */
  trustedUser?: boolean | undefined;
  /** Where attached sources appear under the session's input folder; default `current`. */
  inputLayout?: InputLayout | undefined;
  /** The file the accounts came from, hidden from sessions as the data folder is. */
  accountsFile?: string | undefined;
  /** Origin used in absolute URLs; default the request's Host, else http://HOST:PORT. */
  publicUrl?: string | undefined;
  /** Clock in milliseconds (URL expiry, quota windows); tests move it forward. */
  now?: (() => number) | undefined;
  /** The executor; tests and embedders may wrap it. Default the local executor. */
  startExecution?: typeof startExecution | undefined;
}

export interface ResolvedLimits {
  gpuSessions: number;
  cpuSessions: number;
  gpuQuotaSeconds: number;
  tpuQuotaSeconds: number;
  sessionTimeoutSeconds: number;
  maxSourceBytes: number;
  urlTtlSeconds: number;
}

export const defaultLimits: ResolvedLimits = {
  gpuSessions: 2,
  cpuSessions: Number.POSITIVE_INFINITY,
  gpuQuotaSeconds: 30 * 3600,
  tpuQuotaSeconds: 20 * 3600,
  sessionTimeoutSeconds: 12 * 3600,
  maxSourceBytes: 1024 * 1024,
  urlTtlSeconds: 3600,
};

export function resolveLimits(options: ServerOptions): ResolvedLimits {
  return {
    gpuSessions: options.gpuSessions ?? defaultLimits.gpuSessions,
    cpuSessions: options.cpuSessions ?? defaultLimits.cpuSessions,
    gpuQuotaSeconds:
      options.gpuQuotaHours === undefined
        ? defaultLimits.gpuQuotaSeconds
        : options.gpuQuotaHours * 3600,
    tpuQuotaSeconds:
      options.tpuQuotaHours === undefined
        ? defaultLimits.tpuQuotaSeconds
        : options.tpuQuotaHours * 3600,
    sessionTimeoutSeconds: options.sessionTimeoutSeconds ?? defaultLimits.sessionTimeoutSeconds,
    maxSourceBytes: options.maxSourceBytes ?? defaultLimits.maxSourceBytes,
    urlTtlSeconds: options.urlTtlSeconds ?? defaultLimits.urlTtlSeconds,
  };
}
