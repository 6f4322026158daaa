// The request pipeline: headers like the official CLI, a time limit per attempt, bounded
// bodies, errors classified once (errors.ts), retries for idempotent calls only (retry.ts).
// Built-in fetch; fetch, sleep, now and random are injectable for tests.

import { packageVersion } from '../util/package-root.js';
import { asError, diskFullError } from '../errors.js';
import { rpcUrl } from './endpoint.js';
import { KaggleApiError, KaggleConnectionError, KaggleTimeoutError } from './errors.js';
import { fetchHeaders, getFile, readAtMost, type FileResponse } from './file-get.js';
import { displayUrl, redact } from './redact.js';
import type { RetryBudget, RetryInfo, SleepFn } from './retry.js';
import { DEFAULT_MAX_ATTEMPTS, defaultSleep, withRetry } from './retry.js';
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  apiErrorFromResponse,
  parseRpcBody,
  readBodyTakingMember,
  readBodyText,
} from './response.js';
import type { TakenMember } from './string-member.js';
export { bodyReader } from './response.js';
import type { JsonObject } from './wire.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface HttpOptions {
  base: string;
  /** The Authorization header value sent on API calls (never on file downloads). */
  authorization?: string | undefined;
  /** Values to mask in every message built from server text. */
  secrets?: readonly string[] | undefined;
  fetch?: FetchLike | undefined;
  sleep?: SleepFn | undefined;
  now?: (() => number) | undefined;
  random?: (() => number) | undefined;
  /** Per attempt: the whole call for RPCs, until the headers for streams. */
  timeoutMs?: number | undefined;
  maxAttempts?: number | undefined;
  onRetry?: ((info: RetryInfo) => void) | undefined;
  budget?: RetryBudget | undefined;
  maxBodyBytes?: number | undefined;
}

export interface RpcOptions {
  /** Only idempotent calls are retried. */
  idempotent: boolean;
  signal?: AbortSignal | undefined;
  /** Overrides the client's Authorization (token introspection). */
  authorization?: string | undefined;
}

export interface OpenOptions {
  /** Label for messages, e.g. `GET log stream`. */
  operation: string;
  headers?: Record<string, string> | undefined;
  /** Send the client's Authorization. File downloads must not. */
  auth: boolean;
  idempotent: boolean;
  signal?: AbortSignal | undefined;
}

const notDeliveredCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export class KaggleHttp {
  readonly base: string;
  private readonly fetchFn: FetchLike;
  readonly sleep: SleepFn;
  readonly now: () => number;
  readonly random: () => number;
  private readonly userAgent = `kaggle-run/${packageVersion()}`;

  constructor(private readonly options: HttpOptions) {
    this.base = options.base;
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** The same client, authenticated. */
  withCredentials(authorization: string, secrets: readonly string[]): KaggleHttp {
    return new KaggleHttp({
      ...this.options,
      authorization,
      secrets: [...(this.options.secrets ?? []), ...secrets],
    });
  }

  /**
   * Retries made outside `retrying` (download resumes, re-pushes) report here, so one
   * onRetry callback and one budget see them all. False when the budget is spent.
   */
  noteRetry(info: RetryInfo): boolean {
    const budget = this.options.budget;
    if (budget && budget.remaining <= 0) return false;
    if (budget) budget.remaining -= 1;
    this.options.onRetry?.(info);
    return true;
  }

  redact(text: string): string {
    return redact(text, this.options.secrets ?? []);
  }

  /** Runs `attempt` under the retry policy when `idempotent`, else exactly once. */
  retrying<T>(
    operation: string,
    idempotent: boolean,
    signal: AbortSignal | undefined,
    attempt: () => Promise<T>,
  ): Promise<T> {
    if (!idempotent) return attempt();
    return withRetry(operation, attempt, {
      maxAttempts: this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      sleep: this.sleep,
      random: this.random,
      signal,
      onRetry: this.options.onRetry,
      budget: this.options.budget,
    });
  }

  /** POST `{base}/v1/{service}/{method}` with a JSON body; the parsed JSON object back. */
  rpc(service: string, method: string, body: JsonObject, options: RpcOptions): Promise<JsonObject> {
    return this.post(service, method, body, options, 'follow', (response, text, url) =>
      this.parseRpc(response, text, method, url),
    );
  }

  /**
   * As rpc(), for an answer that carries one huge top-level string (ListKernelSessionOutput's
   * `log`): that member is read apart as it arrives (readBodyTakingMember) and set in the
   * object only when it is at most `member.keepChars` long; `member.chars` says its length.
   */
  async rpcTakingMember(
    service: string,
    method: string,
    body: JsonObject,
    options: RpcOptions,
    member: { name: string; keepChars: number; maxChars: number },
  ): Promise<{ json: JsonObject; member: TakenMember | undefined }> {
    let taken: TakenMember | undefined;
    const json = await this.post(
      service,
      method,
      body,
      options,
      'follow',
      (response, text, url) => this.parseRpc(response, text, method, url),
      async (response, url) => {
        taken = undefined;
        // An error answer is read whole, as any other.
        if (!response.ok) return this.readText(response, method, url);
        const read = await readBodyTakingMember(
          response,
          this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
          member,
          method,
          url,
        );
        taken = read.member;
        return read.text;
      },
      true,
    );
    if (taken?.raw !== undefined) {
      json[member.name] = JSON.parse(`"${taken.raw}"`) as string;
    }
    return { json, member: taken };
  }

  /**
   * For the download RPCs, which Kaggle answers with a redirect to a signed file URL: that URL,
   * not followed, so the caller downloads it without credentials and resumes on it.
   */
  rpcRedirect(
    service: string,
    method: string,
    body: JsonObject,
    options: RpcOptions,
  ): Promise<string> {
    return this.post(service, method, body, options, 'manual', (response, text, url) => {
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        return new URL(location, url).toString();
      }
      this.parseRpc(response, text, method, url); // throws when the answer is an API error
      throw KaggleApiError.invalidResponse(
        method,
        `expected a redirect to the file, got HTTP ${response.status}`,
        displayUrl(url),
      );
    });
  }

  private post<T>(
    service: string,
    method: string,
    body: JsonObject,
    options: RpcOptions,
    redirect: 'follow' | 'manual',
    read: (response: Response, text: string, url: string) => T,
    readBody: (response: Response, url: string) => Promise<string> = (response, url) =>
      this.readText(response, method, url),
    longBody = false,
  ): Promise<T> {
    const url = rpcUrl(this.base, service, method);
    const authorization = options.authorization ?? this.options.authorization;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: '*/*',
      'User-Agent': this.userAgent,
      ...(authorization === undefined ? {} : { Authorization: authorization }),
    };
    return this.retrying(method, options.idempotent, options.signal, async () => {
      const limit = new AbortController();
      const timer = setTimeout(
        () => limit.abort(new DOMException('the time limit passed', 'TimeoutError')),
        this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      );
      const timeout = limit.signal;
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let response: Response;
      let text: string;
      try {
        response = await this.fetchFn(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal,
          redirect,
        });
        // A long body is bounded by the idle timeout of its reads instead: a 500 MiB log may
        // take minutes to arrive, and moves all along.
        if (longBody) clearTimeout(timer);
        text = await readBody(response, url);
      } catch (error) {
        throw this.transportError(error, method, url, options.signal, timeout);
      } finally {
        clearTimeout(timer);
      }
      return read(response, text, url);
    });
  }

  /**
   * Opens a GET whose body the caller streams (log stream, file download). The time limit
   * covers only the wait for the headers. A non-2xx answer throws the classified error.
   */
  open(url: string, options: OpenOptions): Promise<Response> {
    const authorization = options.auth ? this.options.authorization : undefined;
    const headers: Record<string, string> = {
      'User-Agent': this.userAgent,
      Accept: '*/*',
      ...options.headers,
      ...(authorization === undefined ? {} : { Authorization: authorization }),
    };
    return this.retrying(options.operation, options.idempotent, options.signal, async () => {
      const response = await this.connecting(url, options, (signal) =>
        this.fetchFn(url, { method: 'GET', headers, signal }),
      );
      if (response.ok) return response;
      throw await this.errorOf(response, options.operation, url);
    });
  }

  /**
   * Runs `connect` under the wait-for-headers time limit and the caller's signal; a failure
   * to connect becomes the classified transport error.
   */
  private async connecting<T>(
    url: string,
    options: OpenOptions,
    connect: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new Error('timeout')),
      this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    const signal = options.signal
      ? AbortSignal.any([options.signal, deadline.signal])
      : deadline.signal;
    try {
      return await connect(signal);
    } catch (error) {
      throw this.transportError(error, options.operation, url, options.signal, deadline.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The classified error of a non-2xx answer, its body read (bounded) for the message. */
  private async errorOf(
    response: Response,
    operation: string,
    url: string,
  ): Promise<KaggleApiError> {
    let text = '';
    try {
      text = await this.readText(response, operation, url);
    } catch (error) {
      if (error instanceof KaggleApiError) return error;
    }
    return this.httpError(response, text, operation, url);
  }

  /**
   * Opens a file download (OpenOptions as for `open`) on pooled keep-alive sockets
   * (file-get.ts): the time limit covers the wait for the headers; a non-2xx answer throws
   * the classified error. The body (a FileBody) is the caller's to read or destroy.
   */
  openFile(url: string, options: OpenOptions): Promise<FileResponse> {
    const headers: Record<string, string> = {
      'User-Agent': this.userAgent,
      Accept: '*/*',
      ...options.headers,
    };
    return this.retrying(options.operation, options.idempotent, options.signal, async () => {
      const response = await this.connecting(url, options, (signal) =>
        getFile(url, { headers, signal }),
      );
      if (response.status >= 200 && response.status < 300) return response;
      // One byte over the cap is enough for the reading below to refuse the body as too big.
      const limit = (this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) + 1;
      response.body.setTimeout(DEFAULT_IDLE_TIMEOUT_MS, () => response.body.destroy());
      const answer = new Response(await readAtMost(response.body, limit), {
        status: response.status,
        headers: fetchHeaders(response.headers),
      });
      throw await this.errorOf(answer, options.operation, url);
    });
  }

  /** Reads a body as text, refusing more than the configured maximum. */
  readText(response: Response, operation: string, url: string): Promise<string> {
    return readBodyText(
      response,
      this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      operation,
      url,
    );
  }

  /** Turns a fetch failure into a connection or timeout error; a caller's abort passes through. */
  transportError(
    error: unknown,
    operation: string,
    url: string,
    callerSignal: AbortSignal | undefined,
    timeoutSignal: AbortSignal,
  ): Error {
    if (
      error instanceof KaggleApiError ||
      error instanceof KaggleConnectionError ||
      error instanceof KaggleTimeoutError
    ) {
      return error;
    }
    // A full local disk is not the network's fault, whatever stage it broke.
    const disk = diskFullError(error);
    if (disk !== undefined) return disk;
    if (callerSignal?.aborted) return asError(callerSignal.reason);
    const where = displayUrl(url);
    if (timeoutSignal.aborted) {
      const seconds = (this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000;
      return new KaggleTimeoutError(
        `Kaggle API ${operation} got no answer within ${seconds} s (${where})`,
        {
          operation,
        },
      );
    }
    const code = errorCode(error);
    const detail = code ?? this.redact(error instanceof Error ? error.message : String(error));
    return new KaggleConnectionError(
      `cannot reach the Kaggle API for ${operation} (${where}): ${detail}`,
      {
        operation,
        notDelivered: code !== undefined && notDeliveredCodes.has(code),
      },
    );
  }

  /** The KaggleApiError for a failed answer (both error body shapes), secrets masked. */
  httpError(response: Response, text: string, operation: string, url: string): KaggleApiError {
    return apiErrorFromResponse(response, text, {
      operation,
      url,
      redact: (t) => this.redact(t),
      nowMs: this.now(),
    });
  }

  private parseRpc(response: Response, text: string, operation: string, url: string): JsonObject {
    return parseRpcBody(response, text, {
      operation,
      url,
      redact: (t) => this.redact(t),
      nowMs: this.now(),
    });
  }
}
