// A write whose end is known: for sending a buffer that is read into again afterwards
// (file-chunks.ts), which must wait until the stream no longer holds it; and a span of a
// file sent so, as the server's downloads and the blob uploads send one.

import { forEachFileChunk } from './file-chunks.js';

/**
 * Reads while sending: 1 MiB rather than a stream's 64 KiB, so a big file costs 16 times
 * fewer thread-pool round trips (a 512 MiB output took a core-second to serve with 64 KiB).
 */
const SEND_READ_BYTES = 1024 * 1024;
/** Reads ahead of the socket: one being sent, one queued behind it, one being read. */
const SEND_BUFFERS = 3;

/** What `written` needs of an outgoing body (a ServerResponse, a ClientRequest). */
interface Outgoing {
  readonly destroyed: boolean;
  write(piece: Buffer | string, callback: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** Something whose close ends the outgoing body's chances (the connection under it). */
interface Closing {
  readonly destroyed: boolean;
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/**
 * Writes `piece` and resolves when the stream has taken it (its buffer may be reused), or
 * when the stream, or any of `also`, has closed: its writes will never finish then. A
 * response pipelined behind another on a keep-alive connection has no socket yet, and when
 * the client goes away it neither closes nor calls back: its connection's close says it.
 */
export function written(
  out: Outgoing,
  piece: Buffer | string,
  also: Closing[] = [],
): Promise<void> {
  return new Promise((resolve) => {
    if (also.some((c) => c.destroyed)) {
      resolve();
      return;
    }
    const done = (): void => {
      out.off('close', done);
      for (const c of also) c.off('close', done);
      resolve();
    };
    out.once('close', done);
    for (const c of also) c.once('close', done);
    out.write(piece, done);
  });
}

/**
 * Sends bytes [start, start + length) of the file down `out` through a few reused buffers,
 * telling `sent` of each piece; stops when `out` or any of `also` is gone. Resolves with
 * the bytes read: fewer than `length` when the file is shorter or the reader went away.
 */
export function sendFileSpan(
  out: Outgoing,
  path: string,
  start: number,
  length: number,
  options: { also?: Closing[]; sent?: (bytes: number) => void } = {},
): Promise<number> {
  const also = options.also ?? [];
  return forEachFileChunk(
    path,
    start,
    length,
    (piece) => {
      options.sent?.(piece.length);
      return written(out, piece, also);
    },
    {
      bufferBytes: SEND_READ_BYTES,
      buffers: SEND_BUFFERS,
      stop: () => out.destroyed || also.some((c) => c.destroyed),
    },
  );
}
