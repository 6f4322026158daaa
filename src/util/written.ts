// A write whose end is known: for sending a buffer that is read into again afterwards
// (file-chunks.ts), which must wait until the stream no longer holds it.

/** What `written` needs of an outgoing body (a ServerResponse, a ClientRequest). */
interface Outgoing {
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
