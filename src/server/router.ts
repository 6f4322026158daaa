// Maps a request line to what answers it. Both `/v1/...` (api.kaggle.com) and `/api/v1/...`
// (www.kaggle.com, the SDK's non-PROD environments) are accepted; so are the legacy REST GETs
// of older clients (rest-routes.ts).

import type { RpcHandler } from './context.js';
import { matchRest } from './rest-routes.js';
import { allRpcs } from './rpc-tables.js';

export type Route =
  | { kind: 'stats' }
  | { kind: 'rpc'; label: string; handler: RpcHandler }
  | { kind: 'rest'; label: string; handler: RpcHandler; body: Record<string, unknown> }
  | { kind: 'logs'; label: string; owner: string; slug: string }
  | { kind: 'file'; label: string; token: string; path: string }
  | { kind: 'upload'; label: string; uploadId: string }
  | { kind: 'error'; status: 404 | 405; message: string; allow?: string };

const LOGS_LABEL = 'GET /v1/kernels/logs/stream';
const FILES_LABEL = 'GET /files';
const UPLOAD_LABEL = 'PUT /upload';

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function matchRoute(
  method: string,
  rawPath: string,
  query: URLSearchParams = new URLSearchParams(),
): Route {
  const path = rawPath.startsWith('/api/v1/') ? rawPath.slice('/api'.length) : rawPath;
  const isGet = method === 'GET' || method === 'HEAD';

  if (path === '/_stats') {
    return isGet
      ? { kind: 'stats' }
      : { kind: 'error', status: 405, message: 'Use GET for /_stats.', allow: 'GET' };
  }

  const file = /^\/files\/([^/]+)\/(.+)$/.exec(path);
  if (file !== null) {
    if (!isGet)
      return { kind: 'error', status: 405, message: 'Use GET for files.', allow: 'GET, HEAD' };
    return { kind: 'file', label: FILES_LABEL, token: file[1] ?? '', path: file[2] ?? '' };
  }

  const upload = /^\/upload\/([A-Za-z0-9_-]+)$/.exec(path);
  if (upload !== null) {
    if (method !== 'PUT') {
      return { kind: 'error', status: 405, message: 'Use PUT for uploads.', allow: 'PUT' };
    }
    return { kind: 'upload', label: UPLOAD_LABEL, uploadId: upload[1] ?? '' };
  }

  const logs = /^\/v1\/kernels\/logs\/stream\/([^/]+)\/([^/]+)\/?$/.exec(path);
  if (logs !== null) {
    const owner = decode(logs[1] ?? '');
    const slug = decode(logs[2] ?? '');
    if (owner === undefined || slug === undefined) {
      return { kind: 'error', status: 404, message: `Not found: ${rawPath}` };
    }
    if (!isGet)
      return { kind: 'error', status: 405, message: 'Use GET for the log stream.', allow: 'GET' };
    return { kind: 'logs', label: LOGS_LABEL, owner, slug };
  }

  const rpc = /^\/v1\/([A-Za-z0-9_]+\.[A-Za-z0-9_]+)\/([A-Za-z0-9_]+)$/.exec(path);
  if (rpc !== null) {
    const service = rpc[1] ?? '';
    const name = rpc[2] ?? '';
    const handler = allRpcs[service]?.[name];
    if (handler === undefined) {
      return { kind: 'error', status: 404, message: `Unknown method ${service}/${name}.` };
    }
    if (method !== 'POST') {
      return {
        kind: 'error',
        status: 405,
        message: 'RPC methods are called with POST.',
        allow: 'POST',
      };
    }
    return { kind: 'rpc', label: `${service}/${name}`, handler };
  }

  const rest = matchRest(path, query);
  if (rest === 'bad') return { kind: 'error', status: 404, message: `Not found: ${rawPath}` };
  if (rest !== undefined) {
    if (!isGet) return { kind: 'error', status: 405, message: 'Use GET here.', allow: 'GET' };
    return { kind: 'rest', ...rest };
  }

  return { kind: 'error', status: 404, message: `Not found: ${rawPath}` };
}
