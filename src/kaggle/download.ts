// Streams an output file to disk from the absolute URL the listing gave (a signed storage URL
// in production, any host/port on a kaggle-run server), without Authorization: the official
// CLI sends none there, and the URL may point at a third party. A dropped or truncated body
// is resumed with `Range` when the server allows it, else fetched again from the start.
// Every download is capped at the size it should have (the manifest's), a body that stalls
// fails after an idle timeout, and a Content-Encoding we did not ask for is refused rather
// than inflated (fetch would decode it: a small gzip body can expand without bound).

import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { diskFullError } from '../errors.js';
import { KaggleApiError, KaggleConnectionError, isRetryableError } from './errors.js';
import type { KaggleHttp } from './http.js';
import { bodyReader } from './http.js';
import { displayUrl } from './redact.js';
import { DEFAULT_IDLE_TIMEOUT_MS, readWithin } from './response.js';
import { backoffDelayMs } from './retry.js';

/**
 * The cap on a file whose size nobody told us (no manifest): Kaggle's working folder holds
 * at most 20 GiB, so no honest output is bigger.
 */
export const UNKNOWN_SIZE_CAP_BYTES = 20 * 1024 ** 3;

export interface DownloadLimits {
  /** The most bytes the file may have; more fails the download. */
  maxBytes?: number | undefined;
  /** How long the body may send nothing before the attempt fails. */
  idleTimeoutMs?: number | undefined;
}

export interface DownloadResult {
  bytes: number;
  /** How many times the body was resumed or restarted after a failure. */
  restarts: number;
}

/** Attempts in a row that brought no new bytes; an attempt that resumed and got further
 * starts the count again, so a big file on a flaky link is not lost to a fixed count. */
const MAX_BODY_ATTEMPTS = 5;
/** Attempts in all, progress or not, so a server that always cuts short still ends it. */
const MAX_TOTAL_BODY_ATTEMPTS = 4 * MAX_BODY_ATTEMPTS;

/** Total size of the file from a 200's Content-Length or a 206's Content-Range. */
function expectedSize(response: Response, offset: number): number | undefined {
  if (response.status === 206) {
    const total = /\/(\d+)\s*$/.exec(response.headers.get('content-range') ?? '')?.[1];
    return total === undefined ? undefined : Number(total);
  }
  const length = response.headers.get('content-length');
  return length === null ? undefined : Number(length) + offset;
}

export async function downloadToFile(
  http: KaggleHttp,
  url: string,
  dest: string,
  signal?: AbortSignal,
  limits: DownloadLimits = {},
): Promise<DownloadResult> {
  const maxBytes = limits.maxBytes ?? UNKNOWN_SIZE_CAP_BYTES;
  const idleMs = limits.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const tooBig = (got: number) =>
    KaggleApiError.invalidResponse(
      'download',
      `the file is larger than the ${maxBytes} bytes expected (got at least ${got})`,
      displayUrl(url),
    );
  await mkdir(dirname(dest), { recursive: true });
  const file = await open(dest, 'w');
  let written = 0;
  let restarts = 0;
  let fruitless = 0;
  try {
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { 'Accept-Encoding': 'identity' };
      if (written > 0) headers.Range = `bytes=${written}-`;
      const response = await http.open(url, {
        operation: 'download',
        headers,
        auth: false,
        idempotent: true,
        signal,
      });
      if (written > 0 && response.status !== 206) {
        written = 0; // the server ignored the range: start over
        await file.truncate(0);
      }
      const encoding = response.headers.get('content-encoding')?.trim().toLowerCase();
      if (encoding && encoding !== 'identity') {
        await response.body?.cancel();
        throw KaggleApiError.invalidResponse(
          'download',
          `the file host sent Content-Encoding ${JSON.stringify(encoding)} although identity was asked for; refusing to inflate it`,
          displayUrl(url),
        );
      }
      const expected = expectedSize(response, written);
      if (expected !== undefined && expected > maxBytes) {
        await response.body?.cancel();
        throw tooBig(expected);
      }
      const resumable =
        response.headers.get('accept-ranges') === 'bytes' || response.status === 206;
      const writtenBefore = written;
      try {
        if (response.body) {
          const reader = bodyReader(response.body);
          for (;;) {
            const { done, value } = await readWithin(reader, idleMs, 'download', url);
            if (done) break;
            if (written + value.byteLength > maxBytes) {
              await reader.cancel();
              throw tooBig(written + value.byteLength);
            }
            await file.write(value, 0, value.byteLength, written).catch((error: unknown) => {
              throw diskFullError(error, dest) ?? error;
            });
            written += value.byteLength;
          }
        }
        if (expected !== undefined && written < expected) {
          throw new KaggleConnectionError(
            `download of ${displayUrl(url)} ended after ${written} of ${expected} bytes`,
            { operation: 'download', notDelivered: false },
          );
        }
        if (expected !== undefined && written > expected) {
          throw KaggleApiError.invalidResponse(
            'download',
            `got ${written} bytes, expected ${expected}`,
            displayUrl(url),
          );
        }
        return { bytes: written, restarts };
      } catch (error) {
        signal?.throwIfAborted();
        const failure = http.transportError(
          error,
          'download',
          url,
          signal,
          new AbortController().signal,
        );
        fruitless = resumable && written > writtenBefore ? 1 : fruitless + 1;
        if (
          fruitless >= MAX_BODY_ATTEMPTS ||
          attempt >= MAX_TOTAL_BODY_ATTEMPTS ||
          !isRetryableError(failure)
        ) {
          throw failure;
        }
        const delayMs = backoffDelayMs(fruitless - 1, http.random);
        if (!http.noteRetry({ operation: 'download', attempt, delayMs, error: failure })) {
          throw failure;
        }
        restarts++;
        if (!resumable) {
          written = 0;
          await file.truncate(0);
        }
        await http.sleep(delayMs, signal);
      }
    }
  } finally {
    await file.close();
  }
}
