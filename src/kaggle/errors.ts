// Errors of the Kaggle API client. All of them are PlatformErrors (exit 3) except a missing
// or unusable credential, which is the user's to fix (exit 2). Every message is built from
// server text that has already been redacted by the caller: no key or token ever ends up here.

import { STATUS_CODES } from 'node:http';
import { PlatformError, UsageError } from '../errors.js';

/** Retry-After values above this fail fast instead of making the user wait. */
export const MAX_RETRY_AFTER_MS = 60_000;

export type KaggleErrorKind =
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'rate-limited'
  | 'server'
  | 'http'
  | 'invalid-response';

const credentialsFix =
  'Check your Kaggle credentials: create a new API token at https://www.kaggle.com/settings ' +
  'and put it in KAGGLE_API_TOKEN or ~/.kaggle/access_token (or a legacy key in ' +
  '~/.kaggle/kaggle.json, chmod 600), then run `kaggle-run doctor`.';

function kindOf(status: number): KaggleErrorKind {
  if (status === 400) return 'bad-request';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server';
  return 'http';
}

function hintOf(kind: KaggleErrorKind, retryAfterMs: number | undefined): string | undefined {
  switch (kind) {
    case 'unauthorized':
      return credentialsFix;
    case 'forbidden':
      return 'The credentials work but may not touch this resource: check the owner in the kernel ref.';
    case 'rate-limited':
      return retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_MS
        ? `Kaggle asked to wait ${Math.ceil(retryAfterMs / 1000)} s; try again later.`
        : 'Kaggle is rate limiting this account; try again in a minute.';
    case 'server':
      return 'Kaggle had a server error; it is usually temporary, try again shortly.';
    case 'conflict':
      return "Kaggle requires the kernel title to slugify to the kernel's slug.";
    default:
      return undefined;
  }
}

export interface KaggleApiErrorInit {
  /** The HTTP status (200 when the error came inside a 200 body). */
  status: number;
  /** What was being done, e.g. `GetKernelSessionStatus` or `GET /files/a.csv`. */
  operation: string;
  /** The URL without its query string. */
  url?: string | undefined;
  code?: number | undefined;
  apiStatus?: string | undefined;
  apiMessage?: string | undefined;
  retryAfterMs?: number | undefined;
  /** Forces the kind (invalid responses); otherwise derived from code or status. */
  kind?: KaggleErrorKind | undefined;
  /** Replaces the generated message. */
  message?: string | undefined;
  cause?: unknown;
}

/** The Kaggle API answered, and the answer is an error (or unusable). */
export class KaggleApiError extends PlatformError {
  readonly status: number;
  readonly code: number | undefined;
  readonly apiStatus: string | undefined;
  readonly apiMessage: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly kind: KaggleErrorKind;
  readonly operation: string;
  readonly url: string | undefined;

  constructor(init: KaggleApiErrorInit) {
    const effective = init.code !== undefined && init.code >= 400 ? init.code : init.status;
    const kind = init.kind ?? kindOf(effective);
    const statusText = STATUS_CODES[effective] ?? 'Error';
    const detail = init.apiMessage ? `: ${init.apiMessage}` : '';
    const where = init.url ? ` (${init.url})` : '';
    const fix = kind === 'unauthorized' ? ` ${credentialsFix}` : '';
    super(
      init.message ??
        `Kaggle API ${init.operation} failed: HTTP ${effective} ${statusText}${detail}${where}${fix}`,
      { hint: hintOf(kind, init.retryAfterMs), cause: init.cause },
    );
    this.status = init.status;
    this.code = init.code;
    this.apiStatus = init.apiStatus;
    this.apiMessage = init.apiMessage;
    this.retryAfterMs = init.retryAfterMs;
    this.kind = kind;
    this.operation = init.operation;
    this.url = init.url;
  }

  /** The HTTP status, or the error code carried inside a 200 body. */
  get effectiveStatus(): number {
    return this.code !== undefined && this.code >= 400 ? this.code : this.status;
  }

  /** 429 and 500/502/503/504, unless the server asked us to wait longer than we will. */
  isRetryable(): boolean {
    if (this.retryAfterMs !== undefined && this.retryAfterMs > MAX_RETRY_AFTER_MS) return false;
    if (this.kind === 'rate-limited') return true;
    return this.kind === 'server' && [500, 502, 503, 504].includes(this.effectiveStatus);
  }

  static invalidResponse(operation: string, detail: string, url?: string): KaggleApiError {
    return new KaggleApiError({
      status: 200,
      operation,
      url,
      kind: 'invalid-response',
      message: `Kaggle API ${operation} returned an unusable response: ${detail}${url ? ` (${url})` : ''}`,
    });
  }
}

/** The request never got an HTTP answer: refused, reset, DNS, TLS. */
export class KaggleConnectionError extends PlatformError {
  /** True when the request surely never reached the server (connection refused, DNS). */
  readonly notDelivered: boolean;
  readonly operation: string;
  constructor(
    message: string,
    options: { operation: string; notDelivered: boolean; cause?: unknown; hint?: string },
  ) {
    super(message, {
      cause: options.cause,
      hint:
        options.hint ??
        'Check the network, or the --endpoint / KAGGLE_RUN_ENDPOINT value when you set one.',
    });
    this.notDelivered = options.notDelivered;
    this.operation = options.operation;
  }
  isRetryable(): boolean {
    return true;
  }
}

/** One attempt ran past its time limit. */
export class KaggleTimeoutError extends PlatformError {
  readonly operation: string;
  constructor(message: string, options: { operation: string; cause?: unknown }) {
    super(message, { cause: options.cause, hint: 'Kaggle did not answer in time; try again.' });
    this.operation = options.operation;
  }
  isRetryable(): boolean {
    return true;
  }
}

export interface InvalidSources {
  tags: string[];
  datasets: string[];
  competitions: string[];
  kernels: string[];
  models: string[];
}

/** SaveKernel answered HTTP 200 with `error` set: Kaggle refused the push. */
export class PushRejectedError extends PlatformError {
  readonly serverMessage: string;
  readonly invalid: InvalidSources;
  constructor(serverMessage: string, invalid: InvalidSources, hint?: string) {
    const lists = (Object.entries(invalid) as [string, string[]][])
      .filter(([, refs]) => refs.length > 0)
      .map(([what, refs]) => `invalid ${what}: ${refs.join(', ')}`);
    const text = serverMessage || 'Kaggle refused the push without saying why';
    super(`Kaggle push rejected: ${[text, ...lists].join('; ')}`, { hint });
    this.serverMessage = serverMessage;
    this.invalid = invalid;
  }
}

/** "Maximum batch GPU session count of N reached.": too many GPU sessions run at once. */
export class SessionCapError extends PushRejectedError {
  readonly maxSessions: number;
  constructor(serverMessage: string, invalid: InvalidSources, maxSessions: number) {
    super(
      serverMessage,
      invalid,
      `Kaggle runs at most ${maxSessions} GPU sessions at once: wait for one to finish ` +
        '(`kaggle-run runs` lists yours) and push again.',
    );
    this.maxSessions = maxSessions;
  }
}

const sessionCapPattern = /maximum batch gpu session count of (\d+) reached/i;

/** Picks the right rejection class for a SaveKernel `error` text. */
export function pushRejection(serverMessage: string, invalid: InvalidSources): PushRejectedError {
  const cap = sessionCapPattern.exec(serverMessage);
  if (cap?.[1] !== undefined) return new SessionCapError(serverMessage, invalid, Number(cap[1]));
  return new PushRejectedError(serverMessage, invalid);
}

/** No usable Kaggle credentials: the user has to put one in place. */
export class CredentialsError extends UsageError {}

/** Connection, timeout and retryable API errors: what the retry loop may try again. */
export function isRetryableError(error: unknown): boolean {
  return (
    (error instanceof KaggleApiError ||
      error instanceof KaggleConnectionError ||
      error instanceof KaggleTimeoutError) &&
    error.isRetryable()
  );
}

/**
 * The API stayed unreachable (no answer, 5xx) longer than the outage limit while a run was
 * followed. The run itself goes on remotely; only the watching stopped.
 */
export class PlatformUnreachableError extends PlatformError {
  readonly outageMs: number;
  constructor(what: string, outageMs: number, cause?: unknown) {
    super(
      `the Kaggle API was unreachable for ${Math.round(outageMs / 1000)} s while ${what}; ` +
        'the run goes on remotely and can be resumed with `kaggle-run attach <run>`',
      {
        cause,
        hint: 'Once the API answers again, `kaggle-run attach <run>` follows the run and fetches its outputs.',
      },
    );
    this.outageMs = outageMs;
  }
}

/** No answer, a timeout or a 5xx: the API (or the network to it) is down, not the run. */
export function isOutageError(error: unknown): boolean {
  if (error instanceof KaggleConnectionError || error instanceof KaggleTimeoutError) return true;
  return error instanceof KaggleApiError && error.kind === 'server';
}
