// The one interface every platform implements. Everything from shipping on goes through it,
// and what differs between platforms is declared in `capabilities`, so the runner never
// asks whether the kernel runs in a local sandbox or on Kaggle.

import type { Accelerator } from '../accelerator.js';
import type { ImagePin, Job, PlatformName } from '../job.js';
import type { RunEvent } from '../run/events.js';
import type { ShipRunContext, Shipment } from '../ship/ship-context.js';
import type { PlatformCapabilities } from './capabilities.js';

export type RemoteStatus =
  'queued' | 'running' | 'complete' | 'error' | 'timeout' | 'cancelled' | 'unknown';

export function isTerminal(status: RemoteStatus): boolean {
  return (
    status === 'complete' || status === 'error' || status === 'timeout' || status === 'cancelled'
  );
}

export interface PushRequest {
  runId: string;
  nonce: string;
  /** Kernel slug without the owner, e.g. `kaggle-run-hello`. */
  slug: string;
  /** Kernel title; slugifies to `slug`. */
  title: string;
  /** The rendered harness: a self-contained Python script. */
  source: string;
  /** Local files placed under the kernel's input folder (`target` is relative to it). */
  inputs: { localPath: string; target: string }[];
  /** Local platform: each attached input's names -> its folder under the input folder. */
  inputMap?: Record<string, string> | undefined;
  accelerator: Accelerator;
  timeoutSeconds: number;
  internet: boolean;
  private: boolean;
  /** Kaggle dataset refs attached as inputs. */
  datasets: string[];
  /** Other Kaggle sources attached by name: competition slugs, model and kernel refs. */
  competitions?: string[] | undefined;
  models?: string[] | undefined;
  kernels?: string[] | undefined;
  /**
   * The kernel version (`owner/slug/N`) whose output holds the wheels of the requirements,
   * attached beside `kernels`; where the platform cannot attach it the run goes on without it
   * (the harness then installs from the index), with a warning.
   */
  wheelCache?: string | undefined;
  /** Kaggle's docker image: pinning (original / latest) or a named image. */
  image?: ImagePin | undefined;
}

export interface RunHandle {
  platform: PlatformName;
  /** `owner/slug` on Kaggle; the local run id on the local platform. */
  kernel: string;
  version: number | null;
  nonce: string;
  /** Kernel web URL, when the platform has one. */
  url?: string | undefined;
}

export type WatchEvent =
  | { type: 'status'; status: RemoteStatus; message?: string | undefined }
  | { type: 'log'; stream: 'stdout' | 'stderr'; text: string };

/** What a download wrote: its size and hex SHA-256. */
export interface DownloadedFile {
  size: number;
  sha256: string;
}

export interface RemoteFile {
  /** POSIX path relative to the kernel's working folder, exactly as the platform names it. */
  path: string;
  size?: number | undefined;
  /** The most bytes a download of it may bring (the manifest's size); more is refused. */
  maxBytes?: number | undefined;
  /** `dest`'s folder exists already. */
  madeDir?: boolean | undefined;
}

export interface Platform {
  readonly name: PlatformName;
  readonly capabilities: PlatformCapabilities;
  /**
   * Checks what a push will need (credentials, the API answering) before anything is packed
   * or recorded, so a run that cannot start leaves nothing behind. Optional.
   */
  preflight?(signal?: AbortSignal): Promise<void>;
  /** What the user should know of this job on this platform (warnings), given its packed files. */
  notes?(job: Job, packedFiles: readonly string[], env: NodeJS.ProcessEnv): Promise<string[]>;
  /**
   * Gets the run's code, data and env values to where its kernel finds them (files copied,
   * datasets uploaded, a commit pinned) and renders the harness that finds them there.
   */
  ship(ctx: ShipRunContext): AsyncGenerator<RunEvent, Shipment>;
  /**
   * Installs the job's requirements before the push, where the platform does that itself
   * (locally: into the project's venv), showing the installer's output as log events.
   * Returns whether it did, so the harness does not install them again. Optional: elsewhere
   * the harness installs them in the session.
   */
  installRequirements?(
    job: Job,
    storeRoot: string,
    env: NodeJS.ProcessEnv,
    signal?: AbortSignal,
  ): AsyncGenerator<RunEvent, boolean>;
  push(request: PushRequest, signal?: AbortSignal): Promise<RunHandle>;
  /**
   * Streams log lines and status changes until the run reaches a terminal status, which is
   * the last event yielded.
   */
  watch(handle: RunHandle, signal?: AbortSignal): AsyncIterable<WatchEvent>;
  status(
    handle: RunHandle,
    signal?: AbortSignal,
  ): Promise<{ status: RemoteStatus; message?: string | undefined }>;
  listOutputs(handle: RunHandle, signal?: AbortSignal): Promise<RemoteFile[]>;
  /**
   * As listOutputs, a page at a time, where a listing takes several calls: a fetch starts on
   * the first pages' files while the rest are listed, and a download of a file whose page
   * has not come yet waits for it. Optional.
   */
  listOutputPages?(handle: RunHandle, signal?: AbortSignal): AsyncIterable<RemoteFile[]>;
  /**
   * Writes the file's bytes to `dest`, creating or truncating it. A platform that hashed the
   * bytes on the way says what it wrote, sparing the caller a second read of the file.
   */
  download(
    handle: RunHandle,
    file: RemoteFile,
    dest: string,
    signal?: AbortSignal,
  ): Promise<DownloadedFile | void>;
  /**
   * Names the kernel a push will create a version of, and its version now, so a process
   * killed during the push leaves a record that can tell whether the push landed. Optional.
   */
  prepare?(
    request: PushRequest,
    signal?: AbortSignal,
  ): Promise<{ kernel: string; versionBefore: number | null }>;
  /**
   * Whether the kernel `slug` (of this platform's user) has a version queued or running now,
   * pushed by anyone: a run never pushes over one. Optional (no shared kernels locally).
   */
  kernelBusy?(slug: string, signal?: AbortSignal): Promise<boolean>;
  /** The kernel's latest version number, or null when there is no such kernel. Optional. */
  latestVersion?(kernel: string, signal?: AbortSignal): Promise<number | null>;
  /** Stops a run, where the platform can (Kaggle has no cancel call); optional. */
  cancel?(handle: RunHandle): Promise<void>;
  /** Frees what the platform keeps for a finished run (local sandboxes); optional. */
  release?(handle: RunHandle): Promise<void>;
  /**
   * A hint for a failed program, given its stderr (an import another interpreter of this
   * machine would have found); optional.
   */
  explainFailure?(stderr: string, root: string): Promise<string | undefined>;
  /** Accelerator seconds left in the user's quota, where the platform has one; optional. */
  acceleratorSecondsLeft?(accelerator: Accelerator, signal?: AbortSignal): Promise<number>;
}
