// The live log of a batch kernel: `GET {base}/v1/kernels/logs/stream/{owner}/{slug}` with
// `Accept: text/event-stream, */*` (protocol.md 3.9 and 7). While the session runs the answer
// is SSE ending with `data: END_OF_LOG`; afterwards the persisted log as a JSON array. The
// load balancer drops idle SSE connections, and the server replays from the beginning on
// reconnect, so we reconnect (bounded, 1 s apart) and skip the events already seen.

import { apiPathUrl } from './endpoint.js';
import type { KaggleHttp } from './http.js';
import type { LogEntry } from './log-entry.js';
import {
  PersistedLogReader,
  logEntryFromJson,
  parsePersistedLog,
  plainTextEntry,
} from './log-entry.js';
import { bodyReader } from './response.js';
import type { SleepFn } from './retry.js';
import { ssePayloads } from './sse.js';
import { DEFAULT_MAX_BODY_BYTES } from './http.js';
import { KaggleApiError, isRetryableError } from './errors.js';
import { displayUrl } from './redact.js';

export { parsePersistedLog };
export type { LogEntry };

export const END_OF_LOG = 'END_OF_LOG';
export const LOG_STREAM_ACCEPT = 'text/event-stream, */*';

export interface LogStreamOptions {
  signal?: AbortSignal | undefined;
  /** Events already delivered by an earlier call; the server replays them, we skip them. */
  skip?: number | undefined;
  /** Reconnects in a row without a new event before giving up (default 5). */
  maxReconnects?: number | undefined;
  reconnectDelayMs?: number | undefined;
  sleep?: SleepFn | undefined;
}

export interface LogStreamResult {
  /** END_OF_LOG arrived, or the persisted (final) log was served: the log is complete. */
  endOfLog: boolean;
  /** The server answered with the persisted log: the session had already ended. */
  persisted: boolean;
  /** Events seen in total, skipped ones included; pass it as `skip` to resume. */
  seen: number;
}

function payloadEntry(data: string): LogEntry | 'end' {
  if (data.length < END_OF_LOG.length + 8 && data.trim() === END_OF_LOG) return 'end';
  try {
    return logEntryFromJson(JSON.parse(data)) ?? plainTextEntry(data);
  } catch {
    return plainTextEntry(data);
  }
}

export function logStreamUrl(base: string, owner: string, slug: string): string {
  return apiPathUrl(base, 'kernels/logs/stream', [owner, slug]);
}

/**
 * Yields log entries; returns whether the log is complete. HTTP errors that retrying cannot
 * fix (401, 403, 404) are thrown; so is the last error once reconnects run out.
 */
export async function* streamKernelLog(
  http: KaggleHttp,
  owner: string,
  slug: string,
  options: LogStreamOptions = {},
): AsyncGenerator<LogEntry, LogStreamResult, undefined> {
  const batches = streamKernelLogBatches(http, owner, slug, options);
  for (let r = await batches.next(); ; r = await batches.next()) {
    if (r.done) return r.value;
    yield* r.value;
  }
}

/**
 * As streamKernelLog, the entries of each chunk of the answer in one array: a reader that
 * takes a million-line log entry by entry pays more for the taking than for the lines.
 */
export async function* streamKernelLogBatches(
  http: KaggleHttp,
  owner: string,
  slug: string,
  options: LogStreamOptions = {},
): AsyncGenerator<LogEntry[], LogStreamResult, undefined> {
  const url = logStreamUrl(http.base, owner, slug);
  const signal = options.signal;
  const sleep = options.sleep ?? http.sleep;
  const maxReconnects = options.maxReconnects ?? 5;
  let seen = options.skip ?? 0;
  let idleReconnects = 0;
  for (;;) {
    let lastError: Error | undefined;
    let progressed = false;
    try {
      const response = await http.open(url, {
        operation: 'log stream',
        headers: { Accept: LOG_STREAM_ACCEPT, 'Content-Type': 'application/json' },
        auth: true,
        idempotent: true,
        signal,
      });
      if (!/text\/event-stream/i.test(response.headers.get('content-type') ?? '')) {
        // The session ended: its persisted log, read as it arrives (it can be big).
        let count = 0;
        for await (const batch of persistedEntries(response, url)) {
          const fresh = count >= seen ? batch : batch.slice(Math.min(batch.length, seen - count));
          count += batch.length;
          if (fresh.length > 0) yield fresh;
        }
        return { endOfLog: true, persisted: true, seen: Math.max(seen, count) };
      }
      let index = 0; // events on this connection
      for await (const batch of ssePayloads(response)) {
        const fresh: LogEntry[] = [];
        let ended = false;
        for (const data of batch) {
          const item = payloadEntry(data);
          if (item === 'end') {
            ended = true;
            break;
          }
          index++;
          if (index > seen) {
            seen = index;
            progressed = true;
            fresh.push(item);
          }
        }
        if (fresh.length > 0) yield fresh;
        if (ended) return { endOfLog: true, persisted: false, seen: Math.max(seen, index) };
      }
      // The stream closed without END_OF_LOG: a dropped connection, so reconnect.
    } catch (error) {
      signal?.throwIfAborted();
      const failure = http.transportError(
        error,
        'log stream',
        url,
        signal,
        new AbortController().signal,
      );
      if (!isRetryableError(failure)) throw failure;
      lastError = failure;
    }
    idleReconnects = progressed ? 0 : idleReconnects + 1;
    if (idleReconnects > maxReconnects) {
      if (lastError !== undefined) throw lastError;
      return { endOfLog: false, persisted: false, seen };
    }
    await sleep(options.reconnectDelayMs ?? 1000, signal);
  }
}

/** A persisted log body's entries, a chunk's worth at a time; the body is released at the end. */
async function* persistedEntries(
  response: Response,
  url: string,
): AsyncGenerator<LogEntry[], void, undefined> {
  if (!response.body) return;
  const reader = bodyReader(response.body);
  const log = new PersistedLogReader(DEFAULT_MAX_BODY_BYTES, (why) =>
    KaggleApiError.invalidResponse('log stream', why, displayUrl(url)),
  );
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      const entries = log.feed(decoder.decode(chunk.value, { stream: true }));
      if (entries.length > 0) yield entries;
    }
    yield [...log.feed(decoder.decode()), ...log.end()];
  } finally {
    void reader.cancel().catch(() => undefined);
  }
}
