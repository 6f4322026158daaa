// `PUT /upload/<id>`: the resumable upload URL StartBlobUpload hands out, speaking the GCS
// resumable protocol as the official CLI uses it (protocol.md 3.10). No credentials: the
// unguessable id is the permission, as in a signed storage URL. Bytes are stored as they
// arrive, so a dropped connection keeps what got through; a probe (`Content-Range: bytes */N`)
// answers 308 with `Range: bytes=0-<last>` (or 200 once complete); an unknown or expired id
// answers 404, which tells the client to start over.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { open } from 'node:fs/promises';
import { BatchedWriter } from '../util/batched-writer.js';
import type { BlobUpload, DatasetStore } from './dataset-store.js';
import { HttpError, sendJson } from './http-util.js';
import type { ServerStats } from './stats.js';

export interface UploadDeps {
  datasets: DatasetStore;
  stats: ServerStats;
  nowMs: () => number;
}

type ContentRange = { probe: true; total: number } | { probe: false; start: number; total: number };

// `bytes */N` (a probe) or `bytes S-E/N`; undefined when absent.
function parseContentRange(header: string | undefined): ContentRange | undefined {
  if (header === undefined) return undefined;
  const probe = /^bytes \*\/(\d+)$/.exec(header.trim());
  if (probe) return { probe: true, total: Number(probe[1]) };
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim());
  if (range) return { probe: false, start: Number(range[1]), total: Number(range[3]) };
  throw new HttpError(400, `Invalid Content-Range "${header}": use "bytes */N" or "bytes S-E/N".`);
}

function answerState(res: ServerResponse, upload: BlobUpload): void {
  if (upload.received >= upload.contentLength) {
    sendJson(res, 200, { name: upload.name, size: String(upload.contentLength) });
    return;
  }
  const headers: Record<string, string> = { 'Content-Length': '0' };
  if (upload.received > 0) headers.Range = `bytes=0-${upload.received - 1}`;
  res.writeHead(308, headers);
  res.end();
}

/** Stores the request body from `upload.received` on; false when the connection was cut. */
async function receive(
  req: IncomingMessage,
  upload: BlobUpload,
  deps: UploadDeps,
): Promise<boolean> {
  const file = await open(upload.partPath, 'r+');
  const drop = deps.datasets.dropUploads;
  let allowance: number | undefined;
  if (drop !== undefined && drop.drops > 0) {
    drop.drops -= 1;
    allowance = drop.bytes;
  }
  // Chunks are gathered and written in batches, one write in flight while more arrive.
  const writer = new BatchedWriter(file, upload.received);
  try {
    await file.truncate(upload.received);
    for await (const chunk of req) {
      let buf = chunk as Buffer;
      if (allowance !== undefined) buf = buf.subarray(0, allowance);
      if (writer.position + buf.length > upload.contentLength) {
        throw new HttpError(
          400,
          `The body is longer than the ${upload.contentLength} bytes announced to StartBlobUpload.`,
        );
      }
      await writer.add(buf);
      deps.stats.countUploaded(upload.owner, buf.length);
      if (allowance !== undefined) {
        allowance -= buf.length;
        if (allowance <= 0) {
          req.socket.destroy();
          return false;
        }
      }
    }
    return true;
  } catch (error) {
    if (error instanceof HttpError) throw error;
    return false; // the client went away; what arrived is kept for the resume
  } finally {
    try {
      await writer.flush();
      upload.received = writer.position;
    } catch {
      // A write failed: the file holds what came before it, in order; the resume goes on there.
      upload.received = (await file.stat()).size;
    } finally {
      await file.close();
    }
  }
}

export async function serveUpload(
  req: IncomingMessage,
  res: ServerResponse,
  deps: UploadDeps,
  uploadId: string,
): Promise<void> {
  const upload = deps.datasets.upload(uploadId, deps.nowMs());
  if (upload === undefined) {
    req.resume();
    throw new HttpError(404, 'No such upload, or it expired: start a new one.');
  }
  const range = parseContentRange(req.headers['content-range']);
  if (range !== undefined && range.total !== upload.contentLength) {
    req.resume();
    throw new HttpError(
      400,
      `Content-Range total ${range.total} is not the ${upload.contentLength} bytes announced.`,
    );
  }
  const previous = upload.lock;
  let release = (): void => undefined;
  upload.lock = new Promise((done) => (release = done));
  try {
    await previous;
    if (range?.probe === true) {
      req.resume();
      return answerState(res, upload);
    }
    const start = range?.start ?? 0;
    if (start > upload.received) {
      // A gap: tell the client where we are, it resends from there.
      req.resume();
      return answerState(res, upload);
    }
    upload.received = start;
    if (!(await receive(req, upload, deps))) return;
    answerState(res, upload);
  } finally {
    release();
  }
}
