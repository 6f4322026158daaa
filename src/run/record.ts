// The run record: `.kaggle-run/runs/<runId>/run.json`. Written before any side effect on the
// platform and rewritten (atomically) at every step, so a killed process can be understood
// and resumed. Its fields are the `run --json` / `show --json` contract of design.md.

import type { Accelerator } from '../accelerator.js';
import type { Params, PlatformName } from '../job.js';
import type { Manifest } from '../manifest.js';

export type RunStatus = 'queued' | 'running' | 'complete' | 'error' | 'timeout' | 'cancelled';

/** How far the run got; lets `show` and a later `attach` know what is left to do. */
export type RunStep =
  | 'created'
  | 'packed'
  /** A local run's requirements are being installed into the project's venv. */
  | 'installing'
  /** The push is under way: `kernel` and `versionBeforePush` tell `attach` how to check it landed. */
  | 'pushing'
  | 'pushed'
  | 'watching'
  | 'fetching'
  | 'done';

export interface OutputRecord {
  /** POSIX path relative to the output folder. */
  path: string;
  size: number;
  sha256: string;
}

export interface RunRecord {
  schemaVersion: 1;
  runId: string;
  /** The job's name. */
  job: string;
  projectRoot: string;
  entry: string;
  platform: PlatformName;
  endpoint: string | null;
  /** `owner/slug` on Kaggle, the run id locally; null before the push. */
  kernel: string | null;
  kernelUrl: string | null;
  version: number | null;
  /** The job's timeout: how long the run may take on the platform (absent in old records). */
  timeoutSeconds?: number | undefined;
  /** The kernel's version just before this run's push (null: no kernel yet). */
  versionBeforePush?: number | null | undefined;
  nonce: string;
  status: RunStatus;
  step: RunStep;
  exitCode: number | null;
  params: Params;
  profile: string | null;
  accelerator: Accelerator;
  acceleratorSeen: Manifest['acceleratorSeen'] | null;
  pythonVersion: string | null;
  codeHash: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  outputDir: string;
  /** The job's output globs (empty = all), kept so `attach` fetches the same files. */
  outputGlobs: string[];
  outputs: OutputRecord[];
  /** `--output-file REMOTE=LOCAL`: outputs also copied to an exact local path. */
  outputFiles?: { path: string; dest: string }[] | undefined;
  warnings: string[];
  /** The sweep or batch this run is a point of. */
  sweepId?: string | undefined;
  /** How the code reached the platform; null until it was shipped. */
  shipping?: ShippingRecord | null | undefined;
  /** Kaggle's docker image setting the kernel was pushed with; null: Kaggle's default. */
  image?: string | null | undefined;
  /** The wheel cache of a remote run's requirements; null or absent: none. */
  wheelCache?: WheelCacheRecord | null | undefined;
  /** When the harness's start line (this run's nonce) reached this machine: the session began. */
  sessionStartedAt?: string | null | undefined;
  /** Where the time went; set when the run finished (null before, or never watched). */
  timings?: RunTimings | null | undefined;
  /** Why the run ended badly, when it did: who is to blame and what was said. */
  error: {
    kind: 'program' | 'platform' | 'timeout' | 'usage' | 'interrupted';
    message: string;
  } | null;
}

/** What `wheelCache` says in run.json and `run --json`. */
export interface WheelCacheRecord {
  /** The requirements' and image's key. */
  key: string;
  /** The kernel version (`owner/slug/N`) attached as the cache; null: none was known. */
  source: string | null;
  /** Once the session ended: `cache` (no index) or `index`; absent before or when unsaid. */
  installedFrom?: 'cache' | 'index' | undefined;
  /** Once the session ended: whether its output keeps the wheels for the next run. */
  kept?: boolean | undefined;
}

/** A finished run's phases, in seconds; null where that phase was not seen. */
export interface RunTimings {
  /** From the push to the session's start (the harness's start line arriving). */
  queueSeconds: number | null;
  /** The harness's own work in the session: accelerator check, unpacking, requirements, manifest. */
  startSeconds: number | null;
  /** The program's own seconds (every item of a batch), as the harness measured them. */
  programSeconds: number | null;
  /**
   * Parts of startSeconds, as the harness measured them: its own start (settings,
   * accelerator check, env file, secrets), unpacking or cloning the code,
   * installing the requirements, and listing and hashing the outputs for the manifest.
   */
  harnessStartSeconds?: number | null | undefined;
  unpackSeconds?: number | null | undefined;
  installSeconds?: number | null | undefined;
  manifestSeconds?: number | null | undefined;
  /** From the platform's end status to the last output verified on this machine. */
  fetchSeconds: number | null;
  /** From the push to the end of the fetch. */
  totalSeconds: number | null;
}

/** What `shipping` says in run.json and `run --json`. */
export interface ShippingRecord {
  mode: 'inline' | 'dataset' | 'git' | 'local';
  /** Bytes this run uploaded (code and data datasets); 0 when nothing changed. */
  bytesUploaded: number;
  /** `owner/slug` of the code dataset (mode dataset). */
  dataset: string | null;
  datasetVersion: number | null;
  /** The pinned commit (mode git). */
  commit: string | null;
  /** The data datasets attached: `owner/slug`, version, and whether this run uploaded it. */
  data: { path: string; dataset: string; version: number | null; uploaded: boolean }[];
}
