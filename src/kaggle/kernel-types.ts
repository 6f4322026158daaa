// The shapes of kernels.KernelsApiService requests and responses (protocol.md 3.1-3.8), and
// the decoders that turn response objects into them.

import type { InvalidSources } from './errors.js';
import type { Accelerator } from '../accelerator.js';
import { accelerators } from '../accelerator.js';
import type { KernelWorkerStatus } from './enums.js';
import { parseProtoDuration } from './enums.js';
import type { WireReader } from './wire.js';

/** ApiSaveKernelRequest (protocol.md 3.1), keys in proto order. */
export interface SaveKernelRequest {
  id?: number | undefined;
  /** "owner/slug". */
  slug?: string | undefined;
  newTitle?: string | undefined;
  text?: string | undefined;
  language?: 'python' | 'r' | 'rmarkdown' | undefined;
  kernelType?: 'script' | 'notebook' | undefined;
  datasetDataSources?: string[] | undefined;
  kernelDataSources?: string[] | undefined;
  competitionDataSources?: string[] | undefined;
  categoryIds?: string[] | undefined;
  isPrivate?: boolean | undefined;
  enableGpu?: boolean | undefined;
  enableInternet?: boolean | undefined;
  dockerImagePinningType?: 'original' | 'latest' | undefined;
  modelDataSources?: string[] | undefined;
  enableTpu?: boolean | undefined;
  sessionTimeoutSeconds?: number | undefined;
  dockerImage?: string | undefined;
  machineShape?: string | undefined;
}

export const saveKernelOrder = [
  'id', 'slug', 'newTitle', 'text', 'language', 'kernelType', 'datasetDataSources',
  'kernelDataSources', 'competitionDataSources', 'categoryIds', 'isPrivate', 'enableGpu',
  'enableInternet', 'dockerImagePinningType', 'modelDataSources', 'enableTpu',
  'sessionTimeoutSeconds', 'dockerImage', 'machineShape',
] as const; // prettier-ignore

/** Every scalar of ApiSaveKernelRequest is a proto `optional`: sent whenever set. */
export const saveKernelOptional = saveKernelOrder.filter(
  (k) => !k.endsWith('Sources') && k !== 'categoryIds',
);

export interface SaveKernelResponse {
  ref: string;
  url: string;
  versionNumber: number | null;
  kernelId: number;
  /**
   * What Kaggle could not attach or add. A push naming an unknown source is still accepted:
   * the version runs without it and these lists say so, with no `error`.
   */
  invalid: InvalidSources;
}

export interface KernelMetadata {
  id: number;
  ref: string;
  title: string;
  author: string;
  slug: string;
  lastRunTime: string | undefined;
  language: string | undefined;
  kernelType: string | undefined;
  isPrivate: boolean | undefined;
  enableGpu: boolean | undefined;
  enableTpu: boolean | undefined;
  enableInternet: boolean | undefined;
  categoryIds: string[];
  datasetDataSources: string[];
  kernelDataSources: string[];
  competitionDataSources: string[];
  modelDataSources: string[];
  totalVotes: number;
  currentVersionNumber: number | null;
  dockerImage: string | undefined;
  machineShape: string | undefined;
}

export interface KernelBlob {
  source: string;
  language: string | undefined;
  kernelType: string | undefined;
  slug: string | undefined;
}

export interface SessionStatus {
  status: KernelWorkerStatus;
  failureMessage: string | undefined;
}

export interface OutputFile {
  /** Relative path; may contain '/'. */
  fileName: string;
  /** Absolute download URL (normally a signed storage URL). */
  url: string;
}

export interface AcceleratorQuota {
  usedSeconds: number;
  reservedSeconds: number;
  allowedSeconds: number;
  minimumAllowedSeconds: number;
  isPayToScaleEnabled: boolean;
  hasEverRun: boolean;
}

export interface QuotaStatistics {
  refreshTime: string | undefined;
  gpu: AcceleratorQuota;
  tpu: AcceleratorQuota;
}

export interface ListKernelsOptions {
  group?: 'EVERYONE' | 'PROFILE' | 'UPVOTED' | 'COLLABORATION' | 'FORK' | 'BOOKMARKED' | undefined;
  sortBy?: string | undefined;
  search?: string | undefined;
  user?: string | undefined;
  language?: string | undefined;
  kernelType?: string | undefined;
  outputType?: string | undefined;
  competition?: string | undefined;
  dataset?: string | undefined;
  parentKernel?: string | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

/** The SaveKernel fields that pick the machine, from one of our accelerator names. */
export function acceleratorFields(accelerator: Accelerator): {
  enableGpu: boolean;
  enableTpu: boolean;
  machineShape: string | undefined;
} {
  const spec = accelerators[accelerator];
  return { enableGpu: spec.gpu, enableTpu: spec.tpu, machineShape: spec.machineShape };
}

export function kernelMetadata(r: WireReader): KernelMetadata {
  return {
    id: r.int('id'),
    ref: r.str('ref'),
    title: r.str('title'),
    author: r.str('author'),
    slug: r.str('slug'),
    lastRunTime: r.optStr('lastRunTime'),
    language: r.optStr('language'),
    kernelType: r.optStr('kernelType'),
    isPrivate: r.optBool('isPrivate'),
    enableGpu: r.optBool('enableGpu'),
    enableTpu: r.optBool('enableTpu'),
    enableInternet: r.optBool('enableInternet'),
    categoryIds: r.strArray('categoryIds'),
    datasetDataSources: r.strArray('datasetDataSources'),
    kernelDataSources: r.strArray('kernelDataSources'),
    competitionDataSources: r.strArray('competitionDataSources'),
    modelDataSources: r.strArray('modelDataSources'),
    totalVotes: r.int('totalVotes'),
    currentVersionNumber: r.optInt('currentVersionNumber') ?? null,
    dockerImage: r.optStr('dockerImage'),
    machineShape: r.optStr('machineShape'),
  };
}

export function quota(r: WireReader | undefined, label: string): AcceleratorQuota {
  const get = (key: string) => parseProtoDuration(r?.raw(key), `${label}.${key}`);
  return {
    usedSeconds: get('timeUsed'),
    reservedSeconds: get('timeReserved'),
    allowedSeconds: get('totalTimeAllowed'),
    minimumAllowedSeconds: get('minimumTimeAllowed'),
    isPayToScaleEnabled: r?.bool('isPayToScaleEnabled') ?? false,
    hasEverRun: r?.bool('hasEverRun') ?? false,
  };
}
