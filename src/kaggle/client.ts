// One authenticated Kaggle API client: endpoint resolved, credentials found (and a token
// introspected), the kernels API and the log stream ready. What the CLI commands (status,
// logs -f, quota, doctor, push) and the Kaggle platform build on.

import type { Endpoint } from './endpoint.js';
import { resolveEndpoint } from './endpoint.js';
import type { Credentials } from './credentials.js';
import { resolveCredentials } from './credentials.js';
import type { FetchLike } from './http.js';
import { KaggleHttp } from './http.js';
import { CompetitionsApi } from './competitions.js';
import { DatasetsApi } from './datasets.js';
import { KernelsApi } from './kernels.js';
import { ModelsApi } from './models.js';
import type { LogEntry } from './log-entry.js';
import type { LogStreamOptions, LogStreamResult } from './log-stream.js';
import { streamKernelLog, streamKernelLogBatches } from './log-stream.js';
import type { RetryBudget, RetryInfo, SleepFn } from './retry.js';

export interface KaggleClientOptions {
  /** Explicit base URL (--endpoint); else KAGGLE_RUN_ENDPOINT, KAGGLE_API_ENVIRONMENT, PROD. */
  endpoint?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Home folder for ~/.kaggle (tests). */
  home?: string | undefined;
  fetch?: FetchLike | undefined;
  sleep?: SleepFn | undefined;
  now?: (() => number) | undefined;
  random?: (() => number) | undefined;
  timeoutMs?: number | undefined;
  maxAttempts?: number | undefined;
  onRetry?: ((info: RetryInfo) => void) | undefined;
  budget?: RetryBudget | undefined;
  signal?: AbortSignal | undefined;
}

export interface KaggleClient {
  endpoint: Endpoint;
  credentials: Credentials;
  /** The authenticated user: the default owner of kernels. */
  username: string;
  /** For the user's eyes (readable kaggle.json, ignored KAGGLE_API_ENVIRONMENT...). */
  warnings: string[];
  http: KaggleHttp;
  kernels: KernelsApi;
  datasets: DatasetsApi;
  models: ModelsApi;
  competitions: CompetitionsApi;
  streamLog(
    owner: string,
    slug: string,
    options?: LogStreamOptions,
  ): AsyncGenerator<LogEntry, LogStreamResult, undefined>;
  /** streamLog, a chunk's entries at a time. */
  streamLogBatches(
    owner: string,
    slug: string,
    options?: LogStreamOptions,
  ): AsyncGenerator<LogEntry[], LogStreamResult, undefined>;
}

/** An HTTP client on the resolved endpoint, without credentials. */
export function anonymousHttp(options: KaggleClientOptions, endpoint: Endpoint): KaggleHttp {
  return new KaggleHttp({
    base: endpoint.base,
    fetch: options.fetch,
    sleep: options.sleep,
    now: options.now,
    random: options.random,
    timeoutMs: options.timeoutMs,
    maxAttempts: options.maxAttempts,
    onRetry: options.onRetry,
    budget: options.budget,
  });
}

export async function connectKaggle(options: KaggleClientOptions = {}): Promise<KaggleClient> {
  const endpoint = resolveEndpoint({ endpoint: options.endpoint, env: options.env ?? process.env });
  const anonymous = anonymousHttp(options, endpoint);
  const { credentials, warnings } = await resolveCredentials({
    http: anonymous,
    env: options.env,
    home: options.home,
    signal: options.signal,
  });
  const http = anonymous.withCredentials(credentials.authorization, credentials.secrets);
  return {
    endpoint,
    credentials,
    username: credentials.username,
    warnings: endpoint.warning === undefined ? warnings : [endpoint.warning, ...warnings],
    http,
    kernels: new KernelsApi(http),
    datasets: new DatasetsApi(http),
    models: new ModelsApi(http),
    competitions: new CompetitionsApi(http),
    streamLog: (owner, slug, streamOptions) => streamKernelLog(http, owner, slug, streamOptions),
    streamLogBatches: (owner, slug, streamOptions) =>
      streamKernelLogBatches(http, owner, slug, streamOptions),
  };
}
