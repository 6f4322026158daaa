// Small HTTP helpers shared by the handlers: Kaggle-style JSON errors and bodies.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

/**
 * An error answered as Kaggle's legacy error body `{"code": N, "message": "..."}`, which the
 * official SDK turns into an HTTP error carrying `message`.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * What a handler returns to answer with a 302 to `location`: the download RPCs answer so, as
 * Kaggle's do, and clients follow it to the signed file URL.
 */
export class Redirect {
  constructor(readonly location: string) {}
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { code: error.status, message: error.message }, error.headers);
}

/** Reads a JSON object body; an empty body is `{}` (what the SDK sends for a request with no fields). */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limitBytes) {
      throw new HttpError(413, `Request body is larger than ${limitBytes} bytes.`);
    }
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON.');
  }
}

/** Validates a request body against a schema; every problem goes into one 400 message. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  throw new HttpError(400, `Invalid request: ${problems.join('; ')}`);
}

export { sleep } from '../util/sleep.js';

/**
 * Resolves when a response that refused a write can take more (`drain`) or is gone
 * (`close`), removing both listeners: a long download waits many times, and listeners left
 * behind pile up on the response.
 */
export function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
