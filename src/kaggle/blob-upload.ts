// Blob upload as the official CLI does it (protocol.md 3.10): StartBlobUpload hands out a token
// and a resumable upload URL (GCS protocol); the file is PUT there without Authorization,
// streamed from disk. A dropped connection or a 5xx is followed by a probe
// (`Content-Range: bytes */N`) that says how much arrived, and the rest is sent from there; an
// expired URL (404) starts over with a new StartBlobUpload. Node's http client is used rather
// than fetch so the body is streamed with an exact Content-Length and counted as it goes out.

import { stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import { PlatformError, asError } from '../errors.js';
import { packageVersion } from '../util/package-root.js';
import { sendFileSpan } from '../util/written.js';
import { KaggleApiError, KaggleConnectionError, isRetryableError } from './errors.js';
import type { KaggleHttp } from './http.js';
import { displayUrl } from './redact.js';
import { backoffDelayMs } from './retry.js';
import { WireReader, wireBody } from './wire.js';

export type BlobType = 'DATASET' | 'MODEL' | 'INBOX' | 'COMPETITION_SOLUTION';

export interface StartBlobUploadRequest {
  type: BlobType;
  name: string;
  contentLength: number;
  lastModifiedEpochSeconds: number;
}

export interface BlobUploadSession {
  /** What CreateDataset's `files[].token` names. */
  token: string;
  createUrl: string;
}

export interface UploadOptions {
  type?: BlobType | undefined;
  /** Name on the platform; default the file's base name. */
  name?: string | undefined;
  /** Default the file's mtime. */
  lastModifiedEpochSeconds?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface UploadResult {
  token: string;
  /** Body bytes written to the wire, resends included (0 for an empty file). */
  bytesSent: number;
  /** Resumes and restarts after failures. */
  restarts: number;
}

/** Attempts in a row without progress, then attempts in all (as download.ts counts them). */
const MAX_FRUITLESS_ATTEMPTS = 5;
const MAX_TOTAL_ATTEMPTS = 8 * MAX_FRUITLESS_ATTEMPTS;
const OPERATION = 'blob upload';

/** StartBlobUpload; safe to repeat (an unused session just expires), so it is retried. */
export async function startBlobUpload(
  http: KaggleHttp,
  request: StartBlobUploadRequest,
  signal?: AbortSignal,
): Promise<BlobUploadSession> {
  const body = wireBody({
    type: request.type,
    name: request.name,
    contentLength: request.contentLength,
    lastModifiedEpochSeconds: request.lastModifiedEpochSeconds,
  });
  const json = await http.rpc('blobs.BlobApiService', 'StartBlobUpload', body, {
    idempotent: true,
    signal,
  });
  const r = new WireReader(json, 'StartBlobUpload');
  const token = r.str('token');
  const createUrl = r.str('createUrl');
  if (token === '' || !/^https?:\/\//.test(createUrl)) {
    throw KaggleApiError.invalidResponse('StartBlobUpload', 'no token or upload URL');
  }
  return { token, createUrl };
}

interface PutAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * The file being uploaded changed or could not be read: a local fault that another attempt
 * would only repeat, so it ends the upload instead of being retried as a network failure.
 */
export class UploadSourceError extends PlatformError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, hint: 'upload it again once the file is complete and readable' });
  }
}

/** One PUT; `range` streams bytes start..size-1 of the file, else an empty body. */
function put(
  url: string,
  headers: Record<string, string>,
  body: { path: string; start: number; size: number } | undefined,
  counter: { sent: number },
  signal: AbortSignal | undefined,
): Promise<PutAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method: 'PUT', headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (chunks.length < 64) chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    if (body === undefined || body.start >= body.size) {
      req.end();
      return;
    }
    // Through a few reused buffers: a read stream's fresh MiB per chunk is garbage for the
    // host process to collect.
    sendFileSpan(req, body.path, body.start, body.size - body.start, {
      sent: (bytes) => (counter.sent += bytes),
    }).then(
      (sent) => {
        if (sent < body.size - body.start) {
          req.destroy(
            new UploadSourceError(
              `${body.path} got shorter while it was uploaded (${body.size} bytes when the upload began)`,
            ),
          );
        } else req.end();
      },
      (error: unknown) =>
        req.destroy(
          new UploadSourceError(
            `cannot read ${body.path} while uploading it: ${asError(error).message}`,
            {
              cause: error,
            },
          ),
        ),
    );
  });
}

/** `Range: bytes=0-L` of a 308: the next byte to send (0 when absent). */
export function nextOffset(range: string | string[] | undefined): number {
  const value = Array.isArray(range) ? range[0] : range;
  const last = /bytes=0-(\d+)/.exec(value ?? '')?.[1];
  return last === undefined ? 0 : Number(last) + 1;
}

/**
 * Uploads one file and returns the blob token to name in CreateDataset/CreateDatasetVersion.
 * Gives up after MAX_FRUITLESS_ATTEMPTS attempts in a row that moved nothing forward.
 */
export async function uploadFile(
  http: KaggleHttp,
  path: string,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const info = await stat(path);
  const size = info.size;
  const signal = options.signal;
  const start = () =>
    startBlobUpload(
      http,
      {
        type: options.type ?? 'DATASET',
        name: options.name ?? basename(path),
        contentLength: size,
        lastModifiedEpochSeconds:
          options.lastModifiedEpochSeconds ?? Math.floor(info.mtimeMs / 1000),
      },
      signal,
    );
  let session = await start();
  const counter = { sent: 0 };
  let offset = 0;
  /** The most the server has acknowledged; progress is measured against it. */
  let acked = 0;
  let probe = false;
  let restarts = 0;
  let fruitless = 0;
  const base = { Accept: '*/*', 'User-Agent': `kaggle-run/${packageVersion()}` };
  for (let attempt = 1; ; attempt++) {
    let failure: Error;
    try {
      const headers: Record<string, string> = probe
        ? { ...base, 'Content-Length': '0', 'Content-Range': `bytes */${size}` }
        : offset === 0
          ? { ...base, 'Content-Length': String(size) }
          : {
              ...base,
              'Content-Length': String(size - offset),
              'Content-Range': `bytes ${offset}-${size - 1}/${size}`,
            };
      const body = probe ? undefined : { path, start: offset, size };
      const answer = await put(session.createUrl, headers, body, counter, signal);
      if (answer.status === 200 || answer.status === 201) {
        return { token: session.token, bytesSent: counter.sent, restarts };
      }
      if (answer.status === 308) {
        // Incomplete: send the rest from where the server is.
        offset = Math.min(nextOffset(answer.headers.range), size);
        const wasProbe = probe;
        probe = false;
        if (offset > acked) {
          acked = offset;
          fruitless = 0;
          continue;
        }
        if (wasProbe) continue;
        failure = new KaggleConnectionError(`the upload stopped at byte ${offset} of ${size}`, {
          operation: OPERATION,
          notDelivered: false,
        });
      } else if (answer.status === 404) {
        // The upload session expired: a new one, from byte 0.
        session = await start();
        offset = 0;
        acked = 0;
        probe = false;
        failure = new KaggleConnectionError('the upload URL expired', {
          operation: OPERATION,
          notDelivered: false,
        });
      } else {
        failure = http.httpError(
          new Response(answer.text, {
            status: answer.status,
            headers: { 'Content-Type': String(answer.headers['content-type'] ?? 'text/plain') },
          }),
          answer.text,
          OPERATION,
          session.createUrl,
        );
        if (!isRetryableError(failure)) throw failure;
        probe = true;
      }
    } catch (error) {
      if (error instanceof KaggleApiError || error instanceof UploadSourceError) throw error;
      signal?.throwIfAborted();
      failure = http.transportError(
        error,
        OPERATION,
        session.createUrl,
        signal,
        new AbortController().signal,
      );
      if (!isRetryableError(failure)) throw failure;
      probe = true;
    }
    fruitless++;
    if (fruitless >= MAX_FRUITLESS_ATTEMPTS || attempt >= MAX_TOTAL_ATTEMPTS) {
      throw new KaggleConnectionError(
        `upload of ${path} to ${displayUrl(session.createUrl)} failed after ${attempt} attempts: ${failure.message}`,
        { operation: OPERATION, notDelivered: false, cause: failure },
      );
    }
    const delayMs = backoffDelayMs(fruitless - 1, http.random);
    if (!http.noteRetry({ operation: OPERATION, attempt, delayMs, error: failure })) throw failure;
    restarts++;
    await http.sleep(delayMs, signal);
  }
}
