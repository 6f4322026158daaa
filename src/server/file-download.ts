// `GET /files/<token>/<path>`: a file from a signed URL (file-scope.ts says which), no
// credentials. Supports `Range: bytes=N-` (and N-M) so clients can resume, sends the MD5 of
// the whole file in `X-Goog-Hash` as Cloud Storage does (kagglehub checks downloads against
// it), and applies the `truncate` fault, which promises the full Content-Length and then
// hangs up halfway.

import { lstat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveAddress, type ScopeSources } from './file-scope.js';
import { hashFile } from '../util/hash.js';
import { sendFileSpan, written } from '../util/written.js';
import { HttpError } from './http-util.js';
import { verifyFileToken } from './signed-url.js';
import type { ServerStats } from './stats.js';

export interface FileRequestContext extends ScopeSources {
  dataDir: string;
  stats: ServerStats;
  nowMs: () => number;
  truncate: boolean;
}

/**
 * MD5s of files served, by path, size and time: output and dataset files do not change. Files
 * over MD5_MAX_BYTES go without one (as composite Cloud Storage objects do): reading them
 * whole before the first byte would stall the download past clients' read timeouts.
 */
const MD5_MAX_BYTES = 512 * 1024 * 1024;
const md5s = new Map<string, Promise<string>>();
/** Enough for a run's outputs of thousands of files: a digest and its key are ~200 bytes. */
const MD5S_KEPT = 16_384;

function md5Of(path: string, size: number, mtimeMs: number): Promise<string> {
  const key = `${path}\0${size}\0${mtimeMs}`;
  let digest = md5s.get(key);
  if (digest === undefined) {
    digest = hashFile(path, 'md5', size).then(({ hash }) => hash.digest('base64'));
    digest.catch(() => md5s.delete(key));
    if (md5s.size >= MD5S_KEPT) md5s.delete(md5s.keys().next().value ?? '');
    md5s.set(key, digest);
  }
  return digest;
}

type ByteRange = { start: number; end: number } | 'unsatisfiable' | undefined;

/** Parses a single-range `Range` header; anything we do not understand means the whole file. */
function parseRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return undefined;
  if (from === '') {
    // Suffix range: the last N bytes.
    const length = Math.min(Number(to), size);
    return length === 0 ? 'unsatisfiable' : { start: size - length, end: size - 1 };
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: FileRequestContext,
  token: string,
  encodedPath: string,
): Promise<void> {
  let path: string;
  try {
    path = encodedPath.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw new HttpError(400, 'Malformed file path.');
  }
  const verified = verifyFileToken(ctx.store.secret, token, path, ctx.nowMs() / 1000);
  if (!verified.ok) {
    const why = verified.reason === 'expired' ? 'has expired' : 'has an invalid signature';
    throw new HttpError(
      403,
      `This download URL ${why}; ask the API for the file again for a fresh one.`,
    );
  }
  const absolute = await resolveAddress(ctx, ctx.dataDir, verified.address);
  // Whose figures the bytes count in (/_stats): the owner of the kernel, dataset or model.
  const scope = verified.address.scope;
  const owner = 'owner' in scope ? scope.owner : undefined;
  const stat = await lstat(absolute).catch(() => undefined);
  if (stat === undefined || !stat.isFile()) throw new HttpError(404, `No file ${path}.`);

  const size = stat.size;
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    throw new HttpError(416, `Range not satisfiable (file size ${size}).`, {
      'Content-Range': `bytes */${size}`,
    });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const length = Math.max(0, end - start + 1);
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(length),
    'Accept-Ranges': 'bytes',
    'Last-Modified': stat.mtime.toUTCString(),
  };
  if (size <= MD5_MAX_BYTES) {
    headers['X-Goog-Hash'] = `md5=${await md5Of(absolute, size, stat.mtimeMs)}`;
  }
  if (range !== undefined) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range === undefined ? 200 : 206, headers);
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }

  // With the truncate fault only the first half goes out, then the connection is cut.
  const sendLength = ctx.truncate ? Math.floor(length / 2) : length;
  const connection = req.socket;
  if (sendLength > 0) {
    await sendFileSpan(res, absolute, start, sendLength, {
      also: [connection],
      sent: (bytes) => ctx.stats.countServed(owner, bytes),
    });
    if (res.destroyed || connection.destroyed) return;
  }
  if (ctx.truncate) {
    // end() on the socket flushes what was written, then closes: the body stays short.
    await written(res, '', [connection]);
    res.socket?.end();
    return;
  }
  res.end();
}
