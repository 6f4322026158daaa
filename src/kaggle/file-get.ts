// The GET under file downloads: node:http(s) on keep-alive agents rather than fetch. A
// fetch body costs a web stream, a promise and a copy per chunk, which left a 512 MiB
// download CPU-bound and made 2,000 small files pay per-request setup; here the sockets
// are pooled per host and reused by every download of the process, and the body is a
// plain Node stream. Redirects are followed as fetch would (at most 20); the caller
// classifies errors, as for fetch.

import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Sockets kept per host: enough for the parallel small-file downloads of a fetch. */
const SOCKETS_PER_HOST = 32;
const MAX_REDIRECTS = 20;

// Idle keep-alive sockets are unref'd by the agent, so they never hold the process open.
const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: SOCKETS_PER_HOST }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: SOCKETS_PER_HOST }),
};

export interface FileResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface FileGetOptions {
  headers: Record<string, string>;
  signal: AbortSignal;
}

/**
 * The error a request ends with when `signal` aborts it, as node:http's own `signal` option
 * makes it (name AbortError, code ABORT_ERR, the reason as cause).
 */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

function getOnce(url: URL, options: FileGetOptions): Promise<IncomingMessage> {
  const https = url.protocol === 'https:';
  if (!https && url.protocol !== 'http:') {
    return Promise.reject(new Error(`unsupported URL scheme ${url.protocol}`));
  }
  const { signal } = options;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const request = (https ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      headers: options.headers,
      agent: https ? agents.https : agents.http,
    });
    // The signal destroys the request, and with it a body still arriving. Done by hand: the
    // `signal` option of node:http watches the request through end-of-stream listeners, which
    // took 0.4 of 1.3 CPU seconds on 2,000 small keep-alive GETs.
    const onAbort = () => request.destroy(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    request.once('close', () => signal.removeEventListener('abort', onAbort));
    request.once('response', resolve);
    request.once('error', reject);
    request.end();
  });
}

const redirects = new Set([301, 302, 303, 307, 308]);

/** GETs `url`, following redirects; the answer's body is the caller's to read or discard. */
export async function getFile(url: string, options: FileGetOptions): Promise<FileResponse> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const body = await getOnce(current, options);
    const status = body.statusCode ?? 0;
    const location = body.headers.location;
    if (!redirects.has(status) || location === undefined || hop >= MAX_REDIRECTS) {
      return { status, headers: body.headers, body, url: current.toString() };
    }
    body.resume(); // drain it, so the socket goes back to the pool
    current = new URL(location, current);
  }
}

/** The headers as a fetch Headers, for the error classification shared with API calls. */
export function fetchHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  }
  return out;
}
