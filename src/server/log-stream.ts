// `GET /v1/kernels/logs/stream/{owner}/{slug}`: the latest version's log. While it is queued
// or running: Server-Sent Events, replayed from the start on every connection (as Kaggle's
// feed does after a reconnect), ended by `data: END_OF_LOG`. Once it ended: the persisted log,
// a JSON array, as `application/json`. Clients branch on Content-Type.

import type { ServerResponse } from 'node:http';
import type { ServiceContext } from './context.js';
import { drained } from './http-util.js';
import { findReadableKernel, pickVersion } from './kernel-access.js';
import { SSE_END, sseEvent } from './log-format.js';

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
    const text = (await ctx.store.readLog(kernel, version.number)) ?? '[]';
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
    });
    res.end(text);
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
      for await (const entry of execution.follow(abort.signal)) {
        if (abort.signal.aborted) return;
        if (!res.write(sseEvent(entry))) {
          await drained(res);
        }
      }
    }
    if (!abort.signal.aborted) res.end(SSE_END);
  } finally {
    res.off('close', stop);
  }
}
