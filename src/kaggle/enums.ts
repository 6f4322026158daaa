// Enum and duration values in responses, decoded as leniently as the official SDK does
// (protocol.md 1.3): the UPPER_SNAKE member name, any case, lowerCamel, or the proto prefix
// (`KERNEL_WORKER_STATUS_RUNNING`); a missing field is the zero value. Numbers and unknown
// strings crash the official CLI; here they are a clear KaggleApiError.

import { isTerminal, type RemoteStatus } from '../platform/platform.js';
import { KaggleApiError } from './errors.js';

export const kernelWorkerStatuses = [
  'QUEUED',
  'RUNNING',
  'COMPLETE',
  'ERROR',
  'CANCEL_REQUESTED',
  'CANCEL_ACKNOWLEDGED',
  'NEW_SCRIPT',
] as const;
export type KernelWorkerStatus = (typeof kernelWorkerStatuses)[number];

export const databundleVersionStatuses = [
  'NOT_YET_PERSISTED',
  'BLOBS_RECEIVED',
  'BLOBS_DECOMPRESSED',
  'BLOBS_COPIED_TO_SDS',
  'INDIVIDUAL_BLOBS_COMPRESSED',
  'READY',
  'FAILED',
  'DELETED',
  'REPROCESSING',
] as const;
export type DatabundleVersionStatus = (typeof databundleVersionStatuses)[number];

const squash = (s: string): string => s.replace(/[^A-Za-z0-9]/g, '').toUpperCase();

/** Decodes one enum value; `members[0]` is the zero value used when the field is missing. */
export function parseLenientEnum<T extends string>(
  value: unknown,
  members: readonly [T, ...T[]],
  prefix: string,
  label: string,
): T {
  if (value === undefined || value === null) return members[0];
  if (typeof value !== 'string') {
    throw KaggleApiError.invalidResponse(
      label,
      `${label} should be a name such as ${members[0]}, got ${JSON.stringify(value)}`,
    );
  }
  let key = squash(value);
  const squashedPrefix = squash(prefix);
  if (key.startsWith(squashedPrefix) && key.length > squashedPrefix.length) {
    key = key.slice(squashedPrefix.length);
  }
  const found = members.find((m) => squash(m) === key);
  if (found === undefined) {
    throw KaggleApiError.invalidResponse(
      label,
      `unknown ${label} ${JSON.stringify(value.slice(0, 80))} (known: ${members.join(', ')})`,
    );
  }
  return found;
}

export function parseKernelStatus(value: unknown): KernelWorkerStatus {
  return parseLenientEnum(value, kernelWorkerStatuses, 'KERNEL_WORKER_STATUS_', 'kernel status');
}

export function parseDatabundleVersionStatus(value: unknown): DatabundleVersionStatus {
  return parseLenientEnum(
    value,
    databundleVersionStatuses,
    'DATABUNDLE_VERSION_STATUS_',
    'dataset status',
  );
}

/** Kaggle's terminal states (COMPLETE, ERROR, CANCEL_ACKNOWLEDGED): those ending a run. */
export function isTerminalKernelStatus(status: KernelWorkerStatus): boolean {
  return isTerminal(kernelStatusToRemote(status));
}

/**
 * Kaggle's worker status in our vocabulary. NEW_SCRIPT (a version saved, not started yet) is
 * queued; CANCEL_REQUESTED is not terminal on Kaggle, so it stays running until acknowledged.
 */
export function kernelStatusToRemote(status: KernelWorkerStatus): RemoteStatus {
  switch (status) {
    case 'QUEUED':
    case 'NEW_SCRIPT':
      return 'queued';
    case 'RUNNING':
    case 'CANCEL_REQUESTED':
      return 'running';
    case 'COMPLETE':
      return 'complete';
    case 'ERROR':
      return 'error';
    case 'CANCEL_ACKNOWLEDGED':
      return 'cancelled';
  }
}

/** Seconds as a proto Duration string: whole seconds as `151s`, fractions as `151.500s`. */
export function formatProtoDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(3)}s`;
}

/** A proto Duration string (`"151.500s"`, `"0s"`) in seconds; missing is 0. */
export function parseProtoDuration(value: unknown, label = 'duration'): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?s$/.test(value))
    return Number(value.slice(0, -1));
  throw KaggleApiError.invalidResponse(
    label,
    `${label} should be a duration like "3600s", got ${JSON.stringify(value)}`,
  );
}
