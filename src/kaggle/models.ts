// models.ModelApiService: the calls that read a model variation (ApiGetModelInstance, its
// version's files, its download), with the bodies of kagglesdk. Requests name the framework
// by its enum (`MODEL_FRAMEWORK_PY_TORCH`); refs name it as Kaggle mounts it (`pytorch`).

import { KaggleApiError } from './errors.js';
import type { KaggleHttp } from './http.js';
import { WireReader, wireBody } from './wire.js';

const service = 'models.ModelApiService';
const MAX_PAGES = 10_000;

/** ModelFramework names by the lower-case form refs and mount folders use. */
const FRAMEWORKS: Record<string, string> = {
  tensorflow1: 'TENSOR_FLOW_1',
  tensorflow2: 'TENSOR_FLOW_2',
  tflite: 'TF_LITE',
  tfjs: 'TF_JS',
  pytorch: 'PY_TORCH',
  jax: 'JAX',
  flax: 'FLAX',
  pax: 'PAX',
  maxtext: 'MAX_TEXT',
  gemmacpp: 'GEMMA_CPP',
  tensorrtllm: 'TENSOR_RT_LLM',
  ggml: 'GGML',
  gguf: 'GGUF',
  coral: 'CORAL',
  scikitlearn: 'SCIKIT_LEARN',
  mxnet: 'MXNET',
  onnx: 'ONNX',
  keras: 'KERAS',
  transformers: 'TRANSFORMERS',
  api: 'API',
  other: 'OTHER',
};

/** `pytorch` / `PyTorch` -> `MODEL_FRAMEWORK_PY_TORCH`; undefined for a framework we do not know. */
export function frameworkEnum(framework: string): string | undefined {
  const name = FRAMEWORKS[framework.toLowerCase().replace(/[^a-z0-9]/g, '')];
  return name === undefined ? undefined : `MODEL_FRAMEWORK_${name}`;
}

export interface ModelVariation {
  owner: string;
  model: string;
  /** As in refs: `pytorch`, `keras`... */
  framework: string;
  variation: string;
}

export class ModelsApi {
  constructor(readonly http: KaggleHttp) {}

  private body(ref: ModelVariation, extra: Record<string, unknown> = {}) {
    return wireBody({
      ownerSlug: ref.owner,
      modelSlug: ref.model,
      framework: frameworkEnum(ref.framework) ?? ref.framework,
      instanceSlug: ref.variation,
      ...extra,
    });
  }

  /** The variation's latest version number; undefined when it does not exist for the user. */
  async getModelInstance(
    ref: ModelVariation,
    signal?: AbortSignal,
  ): Promise<{ versionNumber: number } | undefined> {
    try {
      const json = await this.http.rpc(service, 'ApiGetModelInstance', this.body(ref), {
        idempotent: true,
        signal,
      });
      return { versionNumber: new WireReader(json, 'ApiGetModelInstance').int('versionNumber') };
    } catch (error) {
      if (error instanceof KaggleApiError && [403, 404].includes(error.effectiveStatus)) {
        return undefined;
      }
      throw error;
    }
  }

  /** Every file of a version, page after page. */
  async listFiles(
    ref: ModelVariation,
    version: number,
    options: { pageSize?: number | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<{ name: string; size: number }[]> {
    const files: { name: string; size: number }[] = [];
    const seen = new Set<string>();
    let pageToken: string | undefined;
    for (let page = 1; ; page++) {
      const body = this.body(ref, {
        versionNumber: version,
        pageSize: options.pageSize ?? 25,
        pageToken,
      });
      const json = await this.http.rpc(service, 'ApiListModelInstanceVersionFiles', body, {
        idempotent: true,
        signal: options.signal,
      });
      const r = new WireReader(json, 'ApiListModelInstanceVersionFiles');
      for (const f of r.objects('files')) files.push({ name: f.str('name'), size: f.int('size') });
      const next = r.optStr('nextPageToken');
      if (!next) return files;
      if (seen.has(next) || page >= MAX_PAGES) {
        throw KaggleApiError.invalidResponse(
          'ApiListModelInstanceVersionFiles',
          `page token ${JSON.stringify(next)} repeats`,
        );
      }
      seen.add(next);
      pageToken = next;
    }
  }

  /** The signed URL of one file of a version, or of the whole version as an archive. */
  downloadUrl(
    ref: ModelVariation,
    version: number,
    path?: string,
    signal?: AbortSignal,
  ): Promise<string> {
    return this.http.rpcRedirect(
      service,
      'ApiDownloadModelInstanceVersion',
      this.body(ref, { versionNumber: version, path }),
      { idempotent: true, signal },
    );
  }
}
