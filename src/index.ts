// The library entry: what host programs import to run a job behind their own flag.
//
//   import { runJob } from 'kaggle-run';
//   for await (const event of runJob({ dir: '.', platform: 'kaggle', params: ['lr=0.01'] })) { ... }

export { runJob, type RunOptions } from './run/run-job.js';
export { run, type RunCallOptions } from './run/run.js';
export { attachRun, type AttachOptions } from './run/attach-run.js';
export { exitCodeForRecord } from './run/exit-code.js';
export type { RunEvent, ExcludedFile } from './run/events.js';
export type {
  RunRecord,
  RunStatus,
  RunStep,
  RunTimings,
  OutputRecord,
  ShippingRecord,
} from './run/record.js';
export { runSweep, resumeSweep, type SweepOptions, type ResumeOptions } from './sweep/run-sweep.js';
export type { SweepEvent, SweepResult } from './sweep/events.js';
export { resolveJob, type JobOverrides } from './config/resolve.js';
// A param value a JavaScript number would misstate (1.0 as a float, nan, inf, big ints).
export { ExactNumber } from './config/param-value.js';
export type {
  Job,
  Params,
  ParamValue,
  PlatformName,
  CodeMode,
  DataMapping,
  ImagePin,
} from './job.js';
export { accelerators, parseAccelerator, type Accelerator } from './accelerator.js';
export type { Manifest, ManifestFile } from './manifest.js';
export type {
  Platform,
  PushRequest,
  RunHandle,
  RemoteFile,
  RemoteStatus,
  WatchEvent,
} from './platform/platform.js';
export type { PlatformCapabilities } from './platform/capabilities.js';
export type { DatasetAccess } from './ship/ship-context.js';
export { LocalPlatform } from './platform/local/local-platform.js';
export { RunStore } from './store/run-store.js';
export {
  KaggleRunError,
  UsageError,
  ConfigError,
  ProgramFailedError,
  PlatformError,
  RunTimeoutError,
  InterruptedError,
  InternalError,
  RunLostError,
  CapacityError,
  ExitCode,
  exitCodeOf,
  runIdOf,
  type ConfigProblem,
} from './errors.js';
// Every error a run can throw, so a host's `instanceof` checks never meet an unexported class.
export {
  KaggleApiError,
  KaggleConnectionError,
  KaggleTimeoutError,
  PushRejectedError,
  SessionCapError,
  CredentialsError,
  PlatformUnreachableError,
} from './kaggle/errors.js';
// The Kaggle API clients (kernels, datasets, models, competitions), for hosts that call the
// API (or a kaggle-run server) directly.
export { connectKaggle } from './kaggle/client.js';
export type { KaggleClient, KaggleClientOptions } from './kaggle/client.js';
