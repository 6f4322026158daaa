// The REST GETs of the API before its RPC form, still sent by older kagglehub releases (and
// declared on the SDK's request classes): each is answered by the RPC handler it became, with
// a body built from the path and query. Downloads answer with the same 302 to a signed URL.
//
//   GET /v1/datasets/view/{owner}/{dataset}                              GetDataset
//   GET /v1/datasets/metadata/{owner}/{dataset}                          GetDatasetMetadata
//   GET /v1/datasets/download/{owner}/{dataset}[/{file}]                 DownloadDataset
//         ?dataset_version_number=N&file_name=F
//   GET /v1/kernels/pull?user_name=U&kernel_slug=K                       GetKernel
//   GET /v1/kernels/output/list/{owner}/{kernel}?page_size=N             ListKernelSessionOutput
//   GET /v1/kernels/output/download/{owner}/{kernel}[/{file}]            DownloadKernelOutput
//         ?version_number=N&file_path=F
//   GET /v1/models/{owner}/{model}/{framework}/{variation}/get           ApiGetModelInstance
//   GET /v1/models/{owner}/{model}/{framework}/{variation}/{N}/files     ApiListModelInstanceVersionFiles
//   GET /v1/models/{owner}/{model}/{framework}/{variation}/{N}/download[/{path}]
//                                                                        ApiDownloadModelInstanceVersion
//   GET /v1/competitions/data/list/{competition}                         ApiListDataFiles
//   GET /v1/competitions/data/download-all/{competition}                 ApiDownloadDataFiles
//   GET /v1/competitions/data/download/{competition}/{file}              ApiDownloadDataFile

import type { RpcHandler } from './context.js';
import { allRpcs } from './rpc-tables.js';

export interface RestCall {
  label: string;
  handler: RpcHandler;
  body: Record<string, unknown>;
}

function rpc(service: string, method: string): RpcHandler {
  const handler = allRpcs[service]?.[method];
  if (handler === undefined) throw new Error(`no RPC ${service}/${method}`);
  return handler;
}

const DATASETS = 'datasets.DatasetApiService';
const KERNELS = 'kernels.KernelsApiService';
const MODELS = 'models.ModelApiService';
const COMPETITIONS = 'competitions.CompetitionApiService';

type Build = (parts: (string | undefined)[], query: URLSearchParams) => Record<string, unknown>;

interface RestRoute {
  pattern: RegExp;
  label: string;
  handler: RpcHandler;
  body: Build;
}

/** A query value under its snake_case or camelCase name. */
function q(query: URLSearchParams, snake: string, camel: string): string | undefined {
  return query.get(snake) ?? query.get(camel) ?? undefined;
}

function num(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== ''));
}

const SEG = '([^/]+)';
const REST = '(?:/(.+))?';

const routes: RestRoute[] = [
  {
    pattern: new RegExp(`^/v1/datasets/view/${SEG}/${SEG}$`),
    label: 'GET /v1/datasets/view',
    handler: rpc(DATASETS, 'GetDataset'),
    body: ([owner, slug]) => ({ ownerSlug: owner, datasetSlug: slug }),
  },
  {
    pattern: new RegExp(`^/v1/datasets/metadata/${SEG}/${SEG}$`),
    label: 'GET /v1/datasets/metadata',
    handler: rpc(DATASETS, 'GetDatasetMetadata'),
    body: ([owner, slug]) => ({ ownerSlug: owner, datasetSlug: slug }),
  },
  {
    pattern: new RegExp(`^/v1/datasets/download/${SEG}/${SEG}${REST}$`),
    label: 'GET /v1/datasets/download',
    handler: rpc(DATASETS, 'DownloadDataset'),
    body: ([owner, slug, file], query) =>
      defined({
        ownerSlug: owner,
        datasetSlug: slug,
        fileName: file ?? q(query, 'file_name', 'fileName'),
        datasetVersionNumber: num(q(query, 'dataset_version_number', 'datasetVersionNumber')),
      }),
  },
  {
    pattern: /^\/v1\/kernels\/pull\/?$/,
    label: 'GET /v1/kernels/pull',
    handler: rpc(KERNELS, 'GetKernel'),
    body: (_parts, query) =>
      defined({
        userName: q(query, 'user_name', 'userName'),
        kernelSlug: q(query, 'kernel_slug', 'kernelSlug'),
      }),
  },
  {
    pattern: new RegExp(`^/v1/kernels/output/list/${SEG}/${SEG}$`),
    label: 'GET /v1/kernels/output/list',
    handler: rpc(KERNELS, 'ListKernelSessionOutput'),
    body: ([owner, slug], query) =>
      defined({
        userName: owner,
        kernelSlug: slug,
        pageSize: num(q(query, 'page_size', 'pageSize')),
        pageToken: q(query, 'page_token', 'pageToken'),
      }),
  },
  {
    pattern: new RegExp(`^/v1/kernels/output/download/${SEG}/${SEG}${REST}$`),
    label: 'GET /v1/kernels/output/download',
    handler: rpc(KERNELS, 'DownloadKernelOutput'),
    body: ([owner, slug, file], query) =>
      defined({
        ownerSlug: owner,
        kernelSlug: slug,
        filePath: file ?? q(query, 'file_path', 'filePath'),
        versionNumber: num(q(query, 'version_number', 'versionNumber')),
      }),
  },
  {
    pattern: new RegExp(`^/v1/models/${SEG}/${SEG}/${SEG}/${SEG}/get$`),
    label: 'GET /v1/models/get',
    handler: rpc(MODELS, 'ApiGetModelInstance'),
    body: ([owner, model, framework, variation]) => ({
      ownerSlug: owner,
      modelSlug: model,
      framework,
      instanceSlug: variation,
    }),
  },
  {
    pattern: new RegExp(`^/v1/models/${SEG}/${SEG}/${SEG}/${SEG}/(\\d+)/files$`),
    label: 'GET /v1/models/files',
    handler: rpc(MODELS, 'ApiListModelInstanceVersionFiles'),
    body: ([owner, model, framework, variation, version], query) =>
      defined({
        ownerSlug: owner,
        modelSlug: model,
        framework,
        instanceSlug: variation,
        versionNumber: num(version),
        pageSize: num(q(query, 'page_size', 'pageSize')),
        pageToken: q(query, 'page_token', 'pageToken'),
      }),
  },
  {
    pattern: new RegExp(`^/v1/models/${SEG}/${SEG}/${SEG}/${SEG}/(\\d+)/download${REST}$`),
    label: 'GET /v1/models/download',
    handler: rpc(MODELS, 'ApiDownloadModelInstanceVersion'),
    body: ([owner, model, framework, variation, version, path]) =>
      defined({
        ownerSlug: owner,
        modelSlug: model,
        framework,
        instanceSlug: variation,
        versionNumber: num(version),
        path,
      }),
  },
  {
    pattern: new RegExp(`^/v1/competitions/data/list/${SEG}$`),
    label: 'GET /v1/competitions/data/list',
    handler: rpc(COMPETITIONS, 'ApiListDataFiles'),
    body: ([competition], query) =>
      defined({
        competitionName: competition,
        pageSize: num(q(query, 'page_size', 'pageSize')),
        pageToken: q(query, 'page_token', 'pageToken'),
      }),
  },
  {
    pattern: new RegExp(`^/v1/competitions/data/download-all/${SEG}$`),
    label: 'GET /v1/competitions/data/download-all',
    handler: rpc(COMPETITIONS, 'ApiDownloadDataFiles'),
    body: ([competition]) => ({ competitionName: competition }),
  },
  {
    pattern: new RegExp(`^/v1/competitions/data/download/${SEG}/(.+)$`),
    label: 'GET /v1/competitions/data/download',
    handler: rpc(COMPETITIONS, 'ApiDownloadDataFile'),
    body: ([competition, file]) => ({ competitionName: competition, fileName: file }),
  },
];

/** The RPC a legacy GET stands for, or undefined when the path is none of them. */
export function matchRest(path: string, query: URLSearchParams): RestCall | undefined | 'bad' {
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (match === null) continue;
    // An optional trailing part (a file path) keeps its position, undefined when absent.
    let parts: (string | undefined)[];
    try {
      parts = match
        .slice(1)
        .map((p) => (p === undefined ? undefined : p.split('/').map(decodeURIComponent).join('/')));
    } catch {
      return 'bad';
    }
    return {
      label: route.label,
      handler: route.handler,
      body: route.body(parts, query),
    };
  }
  return undefined;
}
