// The answer side of an API call: bodies read with a size cap, error answers turned into
// KaggleApiErrors from either body shape (legacy `{code, message}` or the Google-style
// `{error: {code, message, status}}`), and `code >= 400` or an `{error: {...}}` envelope
// inside a 200 treated as an error, as the official SDK does (protocol.md 1.3).

import { KaggleApiError, KaggleTimeoutError } from './errors.js';
import { displayUrl } from './redact.js';
import { parseRetryAfter } from './retry.js';
import type { JsonObject } from './wire.js';
import { isJsonObject } from './wire.js';
import { StringMemberSplitter, type TakenMember } from './string-member.js';

export interface ResponseContext {
  operation: string;
  url: string;
  /** Masks credentials in server-supplied text. */
  redact: (text: string) => string;
  nowMs: number;
}

/** A typed reader of a fetch body (@types/node types its chunks as any). */
export function bodyReader(body: ReadableStream): ReadableStreamDefaultReader<Uint8Array> {
  return body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
}

/** How long a body may send nothing before the read fails (a stalled or trickling server). */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/**
 * The next chunk of a body, or a KaggleTimeoutError when none arrives within `idleMs`: a
 * connection that stays open but sends nothing would otherwise hold a read forever. The
 * body is cancelled on timeout, which closes the connection.
 */
export async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  idleMs: number,
  operation: string,
  url: string,
): Promise<Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>> {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new KaggleTimeoutError(
        `Kaggle API ${operation} sent nothing for ${Math.round(idleMs / 1000)} s (${displayUrl(url)})`,
        { operation },
      );
      reject(error); // first, so the race settles on it and not on the cancelled read
      reader.cancel(error).catch(() => undefined);
    }, idleMs);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a whole body as text, refusing more than `max` bytes. */
export async function readBodyText(
  response: Response,
  max: number,
  operation: string,
  url: string,
  idleMs: number = DEFAULT_IDLE_TIMEOUT_MS,
): Promise<string> {
  const tooBig = () =>
    KaggleApiError.invalidResponse(operation, `body larger than ${max} bytes`, displayUrl(url));
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await response.body?.cancel();
    throw tooBig();
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = bodyReader(response.body);
  for (;;) {
    const { done, value } = await readWithin(reader, idleMs, operation, url);
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw tooBig();
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * Reads a whole body as text as readBodyText does, except one top-level string member taken
 * out as it arrives (string-member.ts): it counts against `member.maxChars`, not `max`, and
 * comes back apart, kept up to `member.keepChars`.
 */
export async function readBodyTakingMember(
  response: Response,
  max: number,
  member: { name: string; keepChars: number; maxChars: number },
  operation: string,
  url: string,
  idleMs: number = DEFAULT_IDLE_TIMEOUT_MS,
): Promise<{ text: string; member: TakenMember | undefined }> {
  const invalid = (why: string) => KaggleApiError.invalidResponse(operation, why, displayUrl(url));
  if (!response.body) return { text: '', member: undefined };
  const splitter = new StringMemberSplitter(
    member.name,
    member.keepChars,
    member.maxChars,
    invalid,
  );
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let chars = 0;
  const reader = bodyReader(response.body);
  const take = (text: string) => {
    const rest = splitter.feed(text);
    chars += rest.length;
    if (chars > max) throw invalid(`body larger than ${max} bytes besides its ${member.name}`);
    if (rest !== '') parts.push(rest);
  };
  try {
    for (;;) {
      const { done, value } = await readWithin(reader, idleMs, operation, url);
      if (done) break;
      take(decoder.decode(value, { stream: true }));
    }
    take(decoder.decode());
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  return { text: parts.join(''), member: splitter.member };
}

/** The JSON object of a successful RPC answer, or the error it really is. */
export function parseRpcBody(
  response: Response,
  text: string,
  context: ResponseContext,
): JsonObject {
  if (!response.ok) throw apiErrorFromResponse(response, text, context);
  if (text.trim() === '') return {};
  const where = displayUrl(context.url);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw KaggleApiError.invalidResponse(context.operation, 'the body is not JSON', where);
  }
  if (!isJsonObject(json)) {
    throw KaggleApiError.invalidResponse(context.operation, 'the body is not a JSON object', where);
  }
  if (typeof json.code === 'number' && json.code >= 400) {
    throw apiErrorFromResponse(response, text, context, json);
  }
  // A Google-style envelope is an error whatever the HTTP status said; a string `error` is
  // a field of some answers (SaveKernel's rejection), read by the caller.
  if (isJsonObject(json.error)) {
    const inner = json.error;
    const code = typeof inner.code === 'number' && inner.code >= 400 ? inner.code : 500;
    throw apiErrorFromResponse(response, text, context, { ...json, error: { ...inner, code } });
  }
  return json;
}

export function apiErrorFromResponse(
  response: Response,
  text: string,
  context: ResponseContext,
  parsed?: JsonObject,
): KaggleApiError {
  let body: unknown = parsed;
  if (body === undefined) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  let code: number | undefined;
  let apiMessage: string | undefined;
  let apiStatus: string | undefined;
  if (isJsonObject(body)) {
    const envelope = isJsonObject(body.error) ? body.error : body;
    if (typeof envelope.code === 'number') code = envelope.code;
    if (typeof envelope.message === 'string') apiMessage = envelope.message;
    if (typeof envelope.status === 'string') apiStatus = envelope.status;
    if (apiMessage === undefined && typeof body.error === 'string') apiMessage = body.error;
  } else if (/^text\/plain/i.test(response.headers.get('content-type') ?? '') && text.trim()) {
    // Short plain-text errors (storage hosts) say what went wrong; HTML pages do not.
    apiMessage = text.trim().replace(/\s+/g, ' ').slice(0, 300);
  }
  return new KaggleApiError({
    status: response.status,
    operation: context.operation,
    url: displayUrl(context.url),
    code,
    apiStatus,
    apiMessage: apiMessage === undefined ? undefined : context.redact(apiMessage),
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), context.nowMs),
  });
}
