// `GET /files/<token>/<path>`: an output file from a signed URL, no credentials. Supports
// `Range: bytes=N-` (and N-M) so clients can resume, and the `truncate` fault, which
// promises the full Content-Length and then hangs up halfway.

import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveInside } from '../util/safe-path.js';
import { HttpError, drained } from './http-util.js';
import type { KernelStore } from './kernel-store.js';
import { verifyFileToken } from './signed-url.js';
import type { ServerStats } from './stats.js';

export interface FileRequestContext {
  store: KernelStore;
  stats: ServerStats;
  nowMs: () => number;
  truncate: boolean;
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
      `This download URL ${why}; list the kernel's output again for a fresh one.`,
    );
  }
  const { owner, slug, version } = verified.address;
  const kernel = ctx.store.get(owner, slug);
  if (kernel === undefined || !kernel.versions.some((v) => v.number === version)) {
    throw new HttpError(404, `Kernel ${owner}/${slug} version ${version} no longer exists.`);
  }
  let absolute: string;
  try {
    absolute = resolveInside(ctx.store.workingDir(kernel, version), path);
  } catch {
    throw new HttpError(400, 'File path escapes the output folder.');
  }
  const stat = await lstat(absolute).catch(() => undefined);
  if (stat === undefined || !stat.isFile()) throw new HttpError(404, `No output file ${path}.`);

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
  if (range !== undefined) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range === undefined ? 200 : 206, headers);
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }

  // With the truncate fault only the first half goes out, then the connection is cut.
  const sendLength = ctx.truncate ? Math.floor(length / 2) : length;
  if (sendLength > 0) {
    const stream = createReadStream(absolute, { start, end: start + sendLength - 1 });
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      ctx.stats.bytesServed += buf.length;
      if (!res.write(buf)) {
        if (res.destroyed) {
          stream.destroy();
          return;
        }
        await drained(res);
      }
    }
  }
  if (ctx.truncate) {
    // end() on the socket flushes what was written, then closes: the body stays short.
    await new Promise<void>((resolve) => res.write('', () => resolve()));
    res.socket?.end();
    return;
  }
  res.end();
}
