// kernels.KernelsApiService: the calls kaggle-run makes, with the exact bodies of the official
// CLI 2.2.3 (protocol.md section 3) and typed, validated responses. Reads are retried;
// SaveKernel and DeleteKernel never are (see safe-push.ts for the push's unknown outcomes).

import { downloadToFile } from './download.js';
import type { DownloadLimits, DownloadResult } from './download.js';
import { parseKernelStatus } from './enums.js';
import { KaggleApiError, pushRejection } from './errors.js';
import type { KaggleHttp } from './http.js';
import type { JsonObject } from './wire.js';
import { WireReader, wireBody } from './wire.js';
import type {
  KernelBlob,
  KernelMetadata,
  ListKernelsOptions,
  OutputFile,
  QuotaStatistics,
  SaveKernelRequest,
  SaveKernelResponse,
  SessionStatus,
} from './kernel-types.js';
import { kernelMetadata, quota, saveKernelOptional, saveKernelOrder } from './kernel-types.js';

export * from './kernel-types.js';

const service = 'kernels.KernelsApiService';

/** The largest output listing page Kaggle hands out (the CLI's documented maximum). */
export const MAX_OUTPUT_PAGE_SIZE = 200;

export interface OutputPagesOptions {
  pageSize?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Runs each page's call (the default calls it once). */
  eachCall?: <T>(call: () => Promise<T>) => Promise<T>;
}

/** One page of an output listing. */
export interface OutputPage {
  files: OutputFile[];
  /** Page 1's log; undefined on later pages, and when it is over the kept length. */
  log: string | undefined;
  logTooLong?: true;
}
/** Guards pagination against a server that hands back the same token forever. */
const MAX_PAGES = 10_000;
/**
 * Bounds on a whole output listing, kept in memory while the outputs are fetched: far above
 * what a Kaggle session can write (its working folder holds 20 GiB, shown as at most a few
 * thousand files), far below what would exhaust this process.
 */
export const MAX_LISTED_FILES = 200_000;
export const MAX_LISTING_CHARS = 64 * 1024 * 1024;
/**
 * Page 1 of an output listing carries the session's whole log, which a chatty program makes
 * hundreds of MiB: it is read apart from the listing as it arrives, and kept only up to this
 * (the run's log comes from the log stream; the listing's is for `kaggle kernels output`).
 */
export const LISTING_LOG_KEEP_CHARS = 8 * 1024 * 1024;
/** The longest log a listing may carry: a 12-hour session printing flat out all along. */
export const MAX_LISTING_LOG_CHARS = 4 * 1024 * 1024 * 1024;

export class KernelsApi {
  constructor(readonly http: KaggleHttp) {}

  private call(method: string, body: JsonObject, idempotent: boolean, signal?: AbortSignal) {
    return this.http
      .rpc(service, method, body, { idempotent, signal })
      .then((json) => new WireReader(json, method));
  }

  /** Pushes a new version. Not retried; a 200 with `error` set throws PushRejectedError. */
  async saveKernel(request: SaveKernelRequest, signal?: AbortSignal): Promise<SaveKernelResponse> {
    const fields: JsonObject = {};
    for (const key of saveKernelOrder) fields[key] = request[key];
    const r = await this.call('SaveKernel', wireBody(fields, saveKernelOptional), false, signal);
    // Read on every answer: Kaggle accepts a push naming sources it cannot find and lists them
    // here without an `error` (the official CLI prints them, then "successfully pushed").
    const invalid = {
      tags: r.strArray('invalidTags'),
      datasets: r.strArray('invalidDatasetSources'),
      competitions: r.strArray('invalidCompetitionSources'),
      kernels: r.strArray('invalidKernelSources'),
      models: r.strArray('invalidModelSources'),
    };
    const error = r.optStr('error');
    if (error) throw pushRejection(this.http.redact(error), invalid);
    return {
      ref: r.str('ref'),
      url: r.str('url'),
      versionNumber: r.optInt('versionNumber') ?? null,
      kernelId: r.int('kernelId'),
      invalid,
    };
  }

  async getKernelSessionStatus(
    owner: string,
    slug: string,
    signal?: AbortSignal,
  ): Promise<SessionStatus> {
    const r = await this.call(
      'GetKernelSessionStatus',
      wireBody({ userName: owner, kernelSlug: slug }),
      true,
      signal,
    );
    const failureMessage = r.optStr('failureMessage');
    return {
      status: parseKernelStatus(r.raw('status')),
      failureMessage: failureMessage || undefined,
    };
  }

  /**
   * Every page of the output listing; the log is page 1's (the only one that carries it),
   * undefined and `logTooLong` when it is over LISTING_LOG_KEEP_CHARS.
   */
  async listKernelSessionOutput(
    owner: string,
    slug: string,
    options: OutputPagesOptions = {},
  ): Promise<{ files: OutputFile[]; log: string | undefined; logTooLong?: true }> {
    const files: OutputFile[] = [];
    let first: OutputPage | undefined;
    for await (const page of this.listKernelSessionOutputPages(owner, slug, options)) {
      first ??= page;
      files.push(...page.files);
    }
    const log = first?.log;
    return first?.logTooLong === true ? { files, log, logTooLong: true } : { files, log };
  }

  /**
   * The output listing a page at a time, as each answer comes: a caller can start on the
   * first files while the rest are listed. The limits (files, characters, pages, a repeated
   * page token) count over all the pages; `log` and `logTooLong` are on the first page only.
   * `eachCall` runs around every page's call (an outage ridden out, say).
   */
  async *listKernelSessionOutputPages(
    owner: string,
    slug: string,
    options: OutputPagesOptions = {},
  ): AsyncGenerator<OutputPage> {
    let listed = 0;
    let pageToken: string | undefined;
    const seen = new Set<string>();
    let chars = 0;
    const eachCall = options.eachCall ?? ((call) => call());
    for (let page = 1; ; page++) {
      const body = wireBody(
        {
          userName: owner,
          kernelSlug: slug,
          pageSize: options.pageSize ?? 20,
          pageToken,
        },
        ['pageToken'],
      );
      const answer = await eachCall(() =>
        this.http.rpcTakingMember(
          service,
          'ListKernelSessionOutput',
          body,
          { idempotent: true, signal: options.signal },
          { name: 'log', keepChars: LISTING_LOG_KEEP_CHARS, maxChars: MAX_LISTING_LOG_CHARS },
        ),
      );
      const r = new WireReader(answer.json, 'ListKernelSessionOutput');
      const files: OutputFile[] = [];
      for (const f of r.objects('files')) {
        const file = { fileName: f.str('fileName'), url: f.str('url') };
        chars += file.fileName.length + file.url.length;
        if (listed >= MAX_LISTED_FILES || chars > MAX_LISTING_CHARS) {
          throw KaggleApiError.invalidResponse(
            'ListKernelSessionOutput',
            `the output listing is larger than ${MAX_LISTED_FILES} files or ${MAX_LISTING_CHARS / 1024 ** 2} MiB of names and URLs`,
          );
        }
        listed++;
        files.push(file);
      }
      const next = r.optStr('nextPageToken');
      // Checked before the page is given out: a listing that goes wrong ends before its files.
      if (next && (seen.has(next) || page >= MAX_PAGES)) {
        throw KaggleApiError.invalidResponse(
          'ListKernelSessionOutput',
          `page token ${JSON.stringify(next)} repeats`,
        );
      }
      if (page === 1) {
        const log = r.optStr('log') || undefined;
        const tooLong = answer.member !== undefined && answer.member.raw === undefined;
        yield tooLong ? { files, log, logTooLong: true } : { files, log };
      } else {
        yield { files, log: undefined };
      }
      if (!next) return;
      seen.add(next);
      pageToken = next;
    }
  }

  /**
   * DownloadKernelOutput (kagglehub's notebook_output_download): the signed URL of one output
   * file of a finished version, or of its whole output as a zip when `filePath` is not given.
   */
  downloadOutputUrl(
    owner: string,
    slug: string,
    options: {
      filePath?: string | undefined;
      version?: number | undefined;
      signal?: AbortSignal | undefined;
    } = {},
  ): Promise<string> {
    const body = wireBody(
      {
        ownerSlug: owner,
        kernelSlug: slug,
        filePath: options.filePath,
        versionNumber: options.version,
      },
      ['filePath', 'versionNumber'],
    );
    return this.http.rpcRedirect(service, 'DownloadKernelOutput', body, {
      idempotent: true,
      signal: options.signal,
    });
  }

  /** Streams one output file to `dest`: the absolute URL as given, never with Authorization. */
  downloadFile(
    url: string,
    dest: string,
    signal?: AbortSignal,
    limits?: DownloadLimits,
  ): Promise<DownloadResult> {
    return downloadToFile(this.http, url, dest, signal, limits);
  }

  async getKernel(
    owner: string,
    slug: string,
    signal?: AbortSignal,
  ): Promise<{ metadata: KernelMetadata; blob: KernelBlob | undefined }> {
    const r = await this.call(
      'GetKernel',
      wireBody({ userName: owner, kernelSlug: slug }),
      true,
      signal,
    );
    const blob = r.optObject('blob');
    return {
      metadata: kernelMetadata(r.optObject('metadata') ?? new WireReader({}, 'GetKernel')),
      blob: blob && {
        source: blob.str('source'),
        language: blob.optStr('language'),
        kernelType: blob.optStr('kernelType'),
        slug: blob.optStr('slug'),
      },
    };
  }

  /** Sends what the CLI sends: every optional string, `"all"` filters, page 1 (protocol 3.6). */
  async listKernels(
    options: ListKernelsOptions = {},
    signal?: AbortSignal,
  ): Promise<{ kernels: KernelMetadata[]; nextPageToken: string | undefined }> {
    const sortBy = options.sortBy === 'HOTNESS' ? undefined : options.sortBy;
    const body = wireBody(
      {
        competition: options.competition ?? '',
        dataset: options.dataset ?? '',
        parentKernel: options.parentKernel ?? '',
        group: options.group ?? 'EVERYONE',
        kernelType: options.kernelType ?? 'all',
        language: options.language ?? 'all',
        outputType: options.outputType ?? 'all',
        search: options.search ?? '',
        sortBy,
        user: options.user ?? '',
        page: options.page ?? 1,
        pageSize: Math.min(options.pageSize ?? 20, 100),
      },
      [
        'competition',
        'dataset',
        'parentKernel',
        'kernelType',
        'language',
        'outputType',
        'search',
        'user',
        'page',
        'pageSize',
      ],
    );
    const r = await this.call('ListKernels', body, true, signal);
    return {
      kernels: r.objects('kernels').map(kernelMetadata),
      nextPageToken: r.optStr('nextPageToken') || undefined,
    };
  }

  /** Not retried. A 200 with `errorMessage` set throws. */
  async deleteKernel(owner: string, slug: string, signal?: AbortSignal): Promise<void> {
    const r = await this.call(
      'DeleteKernel',
      wireBody({ userName: owner, kernelSlug: slug }),
      false,
      signal,
    );
    const message = r.optStr('errorMessage');
    if (message) {
      throw new KaggleApiError({
        status: 200,
        operation: 'DeleteKernel',
        kind: 'bad-request',
        message: `Kaggle API DeleteKernel failed: ${this.http.redact(message)}`,
      });
    }
  }

  async getAcceleratorQuotaStatistics(signal?: AbortSignal): Promise<QuotaStatistics> {
    const r = await this.call('GetAcceleratorQuotaStatistics', {}, true, signal);
    return {
      refreshTime: r.optStr('quotaRefreshTime'),
      gpu: quota(r.optObject('gpuQuota'), 'gpuQuota'),
      tpu: quota(r.optObject('tpuQuota'), 'tpuQuota'),
    };
  }

  /** One page of the kernel's output file list (name, size, creation date). */
  async listKernelFiles(
    owner: string,
    slug: string,
    options: {
      pageSize?: number | undefined;
      pageToken?: string | undefined;
      signal?: AbortSignal | undefined;
    } = {},
  ): Promise<{
    files: { name: string; size: number; creationDate: string }[];
    nextPageToken: string | undefined;
  }> {
    const body = wireBody(
      {
        userName: owner,
        kernelSlug: slug,
        pageSize: options.pageSize ?? 20,
        pageToken: options.pageToken,
      },
      ['pageToken'],
    );
    const r = await this.call('ListKernelFiles', body, true, options.signal);
    return {
      files: r.objects('files').map((f) => ({
        name: f.str('name'),
        size: f.int('size'),
        creationDate: f.str('creationDate'),
      })),
      nextPageToken: r.optStr('nextPageToken') || undefined,
    };
  }
}
