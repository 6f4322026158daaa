// Streams an output file to disk from the absolute URL the listing gave (a signed storage URL
// in production, any host/port on a kaggle-run server), without Authorization: the official
// CLI sends none there, and the URL may point at a third party. A dropped or truncated body
// is resumed with `Range` when the server allows it, else fetched again from the start.
// Every download is capped at the size it should have (the manifest's), a body that stalls
// fails after an idle timeout, and a Content-Encoding we did not ask for is refused rather
// than inflated (fetch would decode it: a small gzip body can expand without bound).

import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { diskFullError } from '../errors.js';
import { BatchedWriter, type ChunkSink } from '../util/batched-writer.js';
import { MemoryFile, keptInMemory } from '../util/memory-file.js';
import {
  KaggleApiError,
  KaggleConnectionError,
  KaggleTimeoutError,
  isRetryableError,
} from './errors.js';
import type { FileBody, FileResponse } from './file-get.js';
import type { KaggleHttp } from './http.js';
import { displayUrl } from './redact.js';
import { DEFAULT_IDLE_TIMEOUT_MS } from './response.js';
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
  /** The destination's folder exists already (a fetch makes each folder once). */
  madeDir?: boolean | undefined;
}

export interface DownloadResult {
  bytes: number;
  /** How many times the body was resumed or restarted after a failure. */
  restarts: number;
  /** Hex SHA-256 of the file, computed as it was written. */
  sha256: string;
}

/** Attempts in a row that brought no new bytes; an attempt that resumed and got further
 * starts the count again, so a big file on a flaky link is not lost to a fixed count. */
const MAX_BODY_ATTEMPTS = 5;
/** Attempts in all, progress or not, so a server that always cuts short still ends it. */
const MAX_TOTAL_BODY_ATTEMPTS = 4 * MAX_BODY_ATTEMPTS;

/**
 * Bytes per write of a big download: each write is a round trip through libuv's thread pool,
 * and at the writer's default 256 KiB a 512 MiB file's 2,048 of them cost 0.16 s more CPU
 * than 512 writes of 1 MiB (bench/fetch-speed). The writer keeps a few such batches per file.
 */
const DOWNLOAD_WRITE_BATCH_BYTES = 1024 * 1024;

/** Where a download's bytes go: the file itself, or memory until it is closed. */
type DownloadFile = FileHandle | MemoryFile;

/** Total size of the file from a 200's Content-Length or a 206's Content-Range. */
function expectedSize(response: FileResponse, offset: number): number | undefined {
  if (response.status === 206) {
    const total = /\/(\d+)\s*$/.exec(response.headers['content-range'] ?? '')?.[1];
    return total === undefined ? undefined : Number(total);
  }
  const length = response.headers['content-length'];
  return length === undefined ? undefined : Number(length) + offset;
}

/**
 * Writes a body to `file` from `offset`, hashing each piece as it comes. Every byte received
 * is written before this returns or throws, so the file and the hash hold the same bytes.
 */
async function writeBody(
  body: FileBody,
  file: DownloadFile,
  offset: number,
  hash: Hash,
  maxBytes: number,
  tooBig: (got: number) => Error,
  dest: string,
): Promise<number> {
  const sink: ChunkSink =
    file instanceof MemoryFile ? file : new BatchedWriter(file, offset, DOWNLOAD_WRITE_BATCH_BYTES);
  try {
    await body.read((piece) => {
      if (sink.position + piece.byteLength > maxBytes)
        throw tooBig(sink.position + piece.byteLength);
      hash.update(piece);
      return sink.add(piece);
    });
  } finally {
    // What came before a failure is good data: kept, so a resume starts after it.
    await sink.flush().catch((error: unknown) => {
      throw diskFullError(error, dest) ?? error;
    });
  }
  return sink.position;
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
  if (limits.madeDir !== true) await mkdir(dirname(dest), { recursive: true });
  const file: DownloadFile = keptInMemory(maxBytes)
    ? new MemoryFile(dest, maxBytes)
    : await open(dest, 'w');
  let written = 0;
  let hash = createHash('sha256');
  let restarts = 0;
  let fruitless = 0;
  let closed = false;
  const restart = async () => {
    written = 0;
    hash = createHash('sha256');
    await file.truncate(0);
  };
  try {
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { 'Accept-Encoding': 'identity' };
      if (written > 0) headers.Range = `bytes=${written}-`;
      const response = await http.openFile(url, {
        operation: 'download',
        headers,
        auth: false,
        idempotent: true,
        signal,
      });
      if (written > 0 && response.status !== 206) await restart(); // the range was ignored
      const encoding = response.headers['content-encoding']?.trim().toLowerCase();
      if (encoding && encoding !== 'identity') {
        response.body.destroy();
        throw KaggleApiError.invalidResponse(
          'download',
          `the file host sent Content-Encoding ${JSON.stringify(encoding)} although identity was asked for; refusing to inflate it`,
          displayUrl(url),
        );
      }
      const expected = expectedSize(response, written);
      if (expected !== undefined && expected > maxBytes) {
        response.body.destroy();
        throw tooBig(expected);
      }
      const resumable = response.headers['accept-ranges'] === 'bytes' || response.status === 206;
      const writtenBefore = written;
      // A body that sends nothing for idleMs fails (socket timeouts are cheap to re-arm).
      response.body.setTimeout(idleMs, () =>
        response.body.destroy(
          new KaggleTimeoutError(
            `Kaggle API download sent nothing for ${Math.round(idleMs / 1000)} s (${displayUrl(url)})`,
            { operation: 'download' },
          ),
        ),
      );
      try {
        try {
          written = await writeBody(response.body, file, written, hash, maxBytes, tooBig, dest);
        } catch (error) {
          written = (await file.stat()).size; // what the file holds, whatever broke
          throw error;
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
        return { bytes: written, restarts, sha256: hash.digest('hex') };
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
        if (!resumable) await restart();
        await http.sleep(delayMs, signal);
      }
    }
  } catch (error) {
    closed = true;
    // The error that ended the download is the one to report, not a failing close after it.
    await file.close().catch(() => undefined);
    throw error;
  } finally {
    if (!closed) await file.close(); // a MemoryFile writes here: its failure is the answer
  }
}
