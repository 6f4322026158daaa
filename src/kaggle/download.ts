// Streams an output file to disk from the absolute URL the listing gave (a signed storage URL
// in production, any host/port on a kaggle-run server), without Authorization: the official
// CLI sends none there, and the URL may point at a third party. A dropped or truncated body
// is resumed with `Range` when the server allows it, else fetched again from the start.

import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KaggleApiError, KaggleConnectionError, isRetryableError } from './errors.js';
import type { KaggleHttp } from './http.js';
import { bodyReader } from './http.js';
import { displayUrl } from './redact.js';
import { backoffDelayMs } from './retry.js';

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
  if (response.headers.get('content-encoding')) return undefined; // fetch decodes; sizes differ
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
): Promise<DownloadResult> {
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
      const expected = expectedSize(response, written);
      const resumable =
        response.headers.get('accept-ranges') === 'bytes' || response.status === 206;
      const writtenBefore = written;
      try {
        if (response.body) {
          const reader = bodyReader(response.body);
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            await file.write(value, 0, value.byteLength, written);
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
