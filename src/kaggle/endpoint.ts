// Where the Kaggle API lives, and the only two ways URLs are built from it.
//
// Precedence: explicit endpoint (flag) > KAGGLE_RUN_ENDPOINT > KAGGLE_API_ENVIRONMENT=LOCALHOST
// > PROD. Like the official CLI 2.2.3, KAGGLE_API_ENVIRONMENT honours only LOCALHOST; any other
// value (TEST, QA, STAGING...) is ignored and the client talks to PROD (protocol.md 1.1). We
// return a warning for those so `doctor` can say so.

import { UsageError } from '../errors.js';
import { readEnv } from '../env.js';

export const PROD_BASE = 'https://api.kaggle.com';
export const LOCALHOST_BASE = 'http://localhost/api';
export const KAGGLE_WEB_BASE = 'https://www.kaggle.com';

export type EndpointSource = 'flag' | 'KAGGLE_RUN_ENDPOINT' | 'KAGGLE_API_ENVIRONMENT' | 'default';

export interface Endpoint {
  /** Base URL without a trailing slash; RPC paths are `{base}/v1/...`. */
  base: string;
  source: EndpointSource;
  warning?: string | undefined;
}

export function resolveEndpoint(
  options: { endpoint?: string | undefined; env?: NodeJS.ProcessEnv } = {},
): Endpoint {
  const env = options.env ?? process.env;
  const explicit = options.endpoint?.trim();
  if (explicit) return { base: normalizeBase(explicit, '--endpoint'), source: 'flag' };
  const fromEnv = readEnv('KAGGLE_RUN_ENDPOINT', env);
  if (fromEnv !== undefined) {
    return {
      base: normalizeBase(fromEnv.trim(), 'KAGGLE_RUN_ENDPOINT'),
      source: 'KAGGLE_RUN_ENDPOINT',
    };
  }
  const environment = readEnv('KAGGLE_API_ENVIRONMENT', env)?.trim();
  if (environment === 'LOCALHOST')
    return { base: LOCALHOST_BASE, source: 'KAGGLE_API_ENVIRONMENT' };
  if (environment !== undefined && environment !== 'PROD') {
    return {
      base: PROD_BASE,
      source: 'default',
      warning:
        `KAGGLE_API_ENVIRONMENT=${environment} is ignored (as by the official CLI, only LOCALHOST ` +
        `is honoured); talking to ${PROD_BASE}. Use --endpoint URL to point elsewhere.`,
    };
  }
  return { base: PROD_BASE, source: 'default' };
}

/**
 * Validates a user-given base. A base ending in `/api` keeps it (`{base}/v1/...` then matches
 * the official CLI's LOCALHOST paths); a trailing `/v1` is dropped since we add it ourselves.
 */
export function normalizeBase(input: string, what = 'endpoint'): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new UsageError(`${what} is not a URL: ${JSON.stringify(input)}`, {
      hint: 'Give a full base URL such as http://127.0.0.1:8080 or https://api.kaggle.com.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${what} must be an http or https URL, got ${url.protocol}`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new UsageError(`${what} must be a plain base URL without query, fragment or user info`);
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${url.origin}${path}`;
}

const servicePattern = /^[a-z]+\.[A-Za-z]+Service$/;
const methodPattern = /^[A-Z][A-Za-z]+$/;

/** `{base}/v1/{package.Service}/{Method}`, e.g. `.../v1/kernels.KernelsApiService/SaveKernel`. */
export function rpcUrl(base: string, service: string, method: string): string {
  if (!servicePattern.test(service) || !methodPattern.test(method)) {
    throw new Error(`bad RPC name ${service}/${method}`);
  }
  return `${base}/v1/${service}/${method}`;
}

/** Encodes one path parameter (owner, slug). Empty, `.` and `..` can never be one. */
export function encodePathSegment(value: string): string {
  if (value === '' || value === '.' || value === '..') {
    throw new UsageError(`invalid path segment ${JSON.stringify(value)} in a Kaggle reference`);
  }
  return encodeURIComponent(value);
}

/** `{base}/v1/{fixed path}/{encoded params...}`, e.g. the live log stream URL. */
export function apiPathUrl(base: string, fixed: string, params: readonly string[]): string {
  const tail = params.map(encodePathSegment).join('/');
  return `${base}/v1/${fixed}${tail ? `/${tail}` : ''}`;
}

/** The kernel's page on kaggle.com, used when the API gives no URL back. */
export function kernelWebUrl(owner: string, slug: string): string {
  return `${KAGGLE_WEB_BASE}/code/${encodePathSegment(owner)}/${encodePathSegment(slug)}`;
}
