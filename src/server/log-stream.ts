// `GET /v1/kernels/logs/stream/{owner}/{slug}`: the latest version's log. While it is queued
// or running: Server-Sent Events, replayed from the start on every connection (as Kaggle's
// feed does after a reconnect), ended by `data: END_OF_LOG`. Once it ended: the persisted log,
// a JSON array, as `application/json`. Clients branch on Content-Type.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { ServiceContext } from './context.js';
import { drained } from './http-util.js';
import { findReadableKernel, pickVersion } from './kernel-access.js';
import { SSE_END, sseEvent } from './log-format.js';

const SSE_BATCH_CHARS = 64 * 1024;

export async function serveLogStream(
  res: ServerResponse,
  ctx: ServiceContext,
  user: string,
  owner: string,
  slug: string,
): Promise<void> {
  const { kernel } = findReadableKernel(ctx.store, user, { userName: owner, kernelSlug: slug });
  const version = pickVersion(kernel, undefined);
  const session = ctx.runner.get(kernel, version.number);
  if (session === undefined) {
    await servePersistedLog(res, ctx.store.logPath(kernel, version.number));
    return;
  }

  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  });
  res.flushHeaders();
  const abort = new AbortController();
  const stop = () => abort.abort();
  res.on('close', stop);
  try {
    const execution = await session.execution;
    if (execution !== undefined) {
      // Events go out in batches: a write per event would cost more than the events.
      let batch = '';
      let idle: NodeJS.Immediate | undefined;
      const send = () => {
        clearImmediate(idle);
        idle = undefined;
        const text = batch;
        batch = '';
        return text === '' || abort.signal.aborted || res.write(text);
      };
      try {
        for await (const entry of execution.follow(abort.signal)) {
          if (abort.signal.aborted) return;
          batch += sseEvent(entry);
          // Sent once it is big enough, or as soon as the log has nothing more right now.
          if (batch.length >= SSE_BATCH_CHARS) {
            if (!send()) await drained(res);
          } else idle ??= setImmediate(send);
        }
        send();
      } finally {
        clearImmediate(idle);
      }
    }
    if (!abort.signal.aborted) res.end(SSE_END);
  } finally {
    res.off('close', stop);
  }
}

/** The persisted log, streamed from its file (it can be large); `[]` when there is none. */
async function servePersistedLog(res: ServerResponse, path: string): Promise<void> {
  const size = await stat(path).then(
    (s) => s.size,
    () => undefined,
  );
  const headers = { 'Content-Type': 'application/json; charset=utf-8' };
  if (size === undefined) {
    res.writeHead(200, { ...headers, 'Content-Length': '2' });
    res.end('[]');
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': String(size) });
  await pipeline(createReadStream(path, { start: 0, end: Math.max(0, size - 1) }), res).catch(
    () => undefined, // the client went away
  );
}
