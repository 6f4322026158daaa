// The Kaggle API client's public surface, for the CLI commands (status, logs -f, quota,
// doctor, push) and for host programs.

export { KaggleApiPlatform, pollIntervalMs } from './kaggle-platform.js';
export type { KaggleApiPlatformOptions } from './kaggle-platform.js';
export { connectKaggle } from './client.js';
export type { KaggleClient, KaggleClientOptions } from './client.js';
export {
  LOCALHOST_BASE,
  PROD_BASE,
  apiPathUrl,
  encodePathSegment,
  kernelWebUrl,
  resolveEndpoint,
  rpcUrl,
} from './endpoint.js';
export type { Endpoint, EndpointSource } from './endpoint.js';
export { findAccessToken, kaggleConfigDir, resolveCredentials } from './credentials.js';
export type { Credentials, ResolvedCredentials } from './credentials.js';
export {
  CredentialsError,
  KaggleApiError,
  KaggleConnectionError,
  KaggleTimeoutError,
  MAX_RETRY_AFTER_MS,
  PlatformUnreachableError,
  PushRejectedError,
  SessionCapError,
  isRetryableError,
} from './errors.js';
export type { InvalidSources, KaggleErrorKind } from './errors.js';
export { KaggleHttp } from './http.js';
export type { FetchLike, HttpOptions } from './http.js';
export { KernelsApi, acceleratorFields } from './kernels.js';
export type {
  DatasetGroup,
  DatasetMetadata,
  DatasetSettings,
  DatasetSort,
  DatasetSummary,
  DownloadDatasetOptions,
  ListDatasetsOptions,
} from './dataset-reads.js';
export { ModelsApi, frameworkEnum } from './models.js';
export type { ModelVariation } from './models.js';
export { CompetitionsApi } from './competitions.js';
export type {
  AcceleratorQuota,
  KernelMetadata,
  ListKernelsOptions,
  OutputFile,
  QuotaStatistics,
  SaveKernelRequest,
  SaveKernelResponse,
  SessionStatus,
} from './kernels.js';
export { DatasetsApi } from './datasets.js';
export type {
  CreateDatasetRequest,
  CreateDatasetResult,
  CreateDatasetVersionRequest,
  DatasetColumn,
  DatasetFile,
  DatasetUploadFile,
  WaitReadyOptions,
} from './datasets.js';
export { startBlobUpload, uploadFile } from './blob-upload.js';
export type {
  BlobType,
  BlobUploadSession,
  StartBlobUploadRequest,
  UploadOptions,
  UploadResult,
} from './blob-upload.js';
export { pushKernel } from './safe-push.js';
export type { PushResult } from './safe-push.js';
export { logStreamUrl, parsePersistedLog, streamKernelLog } from './log-stream.js';
export type { LogEntry, LogStreamOptions, LogStreamResult } from './log-stream.js';
export { checkStatus, watchKernel } from './watch.js';
export { DEFAULT_OUTAGE_LIMIT_MS, outageLimitFromEnv } from './outage.js';
export {
  isTerminalKernelStatus,
  kernelStatusToRemote,
  parseDatabundleVersionStatus,
  parseProtoDuration,
  parseKernelStatus,
} from './enums.js';
export type { DatabundleVersionStatus, KernelWorkerStatus } from './enums.js';
export { formatKernelRef, parseKernelRef, slugify } from './kernel-ref.js';
export type { KernelRef } from './kernel-ref.js';
export { redact } from './redact.js';
export type { RetryBudget, RetryInfo, SleepFn } from './retry.js';
