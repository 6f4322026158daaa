// The `kaggle` platform: the Platform interface over Kaggle's public API (or a kaggle-run
// server behind --endpoint). Thin on purpose: the client modules do the work.

import { kaggleAcceleratorNote, type Accelerator } from '../accelerator.js';
import { CapacityError, InternalError, PlatformError } from '../errors.js';
import type { ImagePin, Job } from '../job.js';
import { capabilitiesOf } from '../platform/capabilities.js';
import type { RunEvent } from '../run/events.js';
import type { DatasetAccess, ShipRunContext, Shipment } from '../ship/ship-context.js';
import { shipToKaggle } from '../ship/ship-kaggle.js';
import {
  KaggleApiError,
  PushRejectedError,
  SessionCapError,
  type InvalidSources,
} from './errors.js';
import { findInvalidSources, invalidSourcesError } from './check-sources.js';
import type {
  DownloadedFile,
  Platform,
  PushRequest,
  RemoteFile,
  RemoteStatus,
  RunHandle,
  WatchEvent,
} from '../platform/platform.js';
import type { KaggleClient, KaggleClientOptions } from './client.js';
import { connectKaggle } from './client.js';
import { parseKernelRef, slugify } from './kernel-ref.js';
import type { KernelRef } from './kernel-ref.js';
import { MAX_OUTPUT_PAGE_SIZE, acceleratorFields } from './kernels.js';
import { outageLimitFromEnv, rideOutage } from './outage.js';
import { defaultSleep } from './retry.js';
import { currentVersion, pushKernel } from './safe-push.js';
import { checkStatus, watchKernel } from './watch.js';
import { sessionTimeoutSeconds } from '../harness/settings.js';

export { pollIntervalMs } from './poll-cadence.js';

/** A kernel no run pushes to: asking for its version checks the credentials and nothing else. */
const PREFLIGHT_SLUG = 'kaggle-run-credentials-check';

export interface KaggleApiPlatformOptions extends Omit<KaggleClientOptions, 'signal'> {
  /** Called with each warning meant for the user (file permissions, title/slug mismatch...). */
  onWarning?: ((message: string) => void) | undefined;
  /** How long the status may stay unknown (404) while watching; default 10 min. */
  unknownGraceMs?: number | undefined;
  /**
   * How long a watch (and the output listing after it) waits out an unreachable API before
   * PlatformUnreachableError; default KAGGLE_RUN_OUTAGE_LIMIT seconds, else 10 min.
   */
  outageLimitMs?: number | undefined;
}

export class KaggleApiPlatform implements Platform {
  readonly name = 'kaggle' as const;
  readonly capabilities = capabilitiesOf('kaggle');
  private client: Promise<KaggleClient> | undefined;
  /** Download URLs of the latest listing, per handle (kernel@version). */
  private readonly urls = new Map<string, Map<string, string>>();
  /** Listings whose pages are still coming, per handle. */
  private readonly listings = new Map<string, ListingInProgress>();
  /** Listings made for downloads whose URLs failed or never came, one at a time per run. */
  private readonly relists = new Map<string, Promise<ReadonlyMap<string, string>>>();

  constructor(private readonly options: KaggleApiPlatformOptions = {}) {}

  /** Connects once (credentials, token introspection); a failure is retried on the next call. */
  connect(signal?: AbortSignal): Promise<KaggleClient> {
    this.client ??= connectKaggle({ ...this.options, signal }).then(
      (client) => {
        for (const warning of client.warnings) this.options.onWarning?.(warning);
        return client;
      },
      (error: unknown) => {
        this.client = undefined;
        throw error;
      },
    );
    return this.client;
  }

  /**
   * Credentials found (and a token introspected) and the API answering for this user, before
   * anything is packed: a missing or wrong key and a server that is down stop the run here.
   */
  async preflight(signal?: AbortSignal): Promise<void> {
    const client = await this.connect(signal);
    try {
      await currentVersion(
        client.kernels,
        { owner: client.username, slug: PREFLIGHT_SLUG },
        signal,
      );
    } catch (error) {
      // The check is for credentials and reachability. A server error or rate limit that
      // outlasted the retries says the API answers; the run goes on, and its own calls retry
      // (or report a bad key) as they would have without the check.
      if (error instanceof KaggleApiError && (error.status >= 500 || error.status === 429)) return;
      throw error;
    }
  }

  notes(job: Job): Promise<string[]> {
    const note = kaggleAcceleratorNote(job.accelerator);
    return Promise.resolve(note === undefined ? [] : [note]);
  }

  ship(ctx: ShipRunContext): AsyncGenerator<RunEvent, Shipment> {
    return shipToKaggle(ctx, () => this.datasetAccess(ctx.signal));
  }

  async acceleratorSecondsLeft(accelerator: Accelerator, signal?: AbortSignal): Promise<number> {
    const client = await this.connect(signal);
    const stats = await client.kernels.getAcceleratorQuotaStatistics(signal);
    const quota = accelerator.startsWith('tpu') ? stats.tpu : stats.gpu;
    return Math.max(0, quota.allowedSeconds - quota.usedSeconds - quota.reservedSeconds);
  }

  async push(request: PushRequest, signal?: AbortSignal): Promise<RunHandle> {
    try {
      return await this.pushOnce(request, signal);
    } catch (error) {
      // Kaggle's session cap is a wait, as every platform's capacity refusal is.
      if (!(error instanceof SessionCapError)) throw error;
      throw new CapacityError(error.message, {
        maxSessions: error.maxSessions,
        hint: error.hint,
        cause: error,
      });
    }
  }

  private async pushOnce(request: PushRequest, signal?: AbortSignal): Promise<RunHandle> {
    if (request.inputs.length > 0) {
      throw new InternalError(
        'the kaggle platform takes no local input files: code and data ship as datasets',
      );
    }
    const client = await this.connect(signal);
    if (slugify(request.title) !== request.slug) {
      this.options.onWarning?.(
        `kernel title ${JSON.stringify(request.title)} does not slugify to ${request.slug}; Kaggle may refuse the push (HTTP 409)`,
      );
    }
    const ref: KernelRef = { owner: client.username, slug: request.slug };
    const kernels = request.kernels ?? [];
    // The wheel cache is a source the run can do without: where it cannot be attached, the
    // session installs the requirements from the index, and the run says so.
    let cache = request.wheelCache;
    const dropCache = (invalid: InvalidSources, why: string): boolean => {
      if (cache === undefined || !invalid.kernels.includes(cache) || kernels.includes(cache)) {
        return false;
      }
      this.options.onWarning?.(
        `the wheel cache ${cache} ${why}; the session installs the requirements from the index`,
      );
      invalid.kernels = invalid.kernels.filter((k) => k !== cache);
      cache = undefined;
      return true;
    };
    // A source Kaggle cannot find would not stop the push: the session would run without it.
    const missing = await findInvalidSources(
      client,
      {
        datasets: request.datasets,
        kernels: cache === undefined ? kernels : [...kernels, cache],
        competitions: request.competitions ?? [],
        models: request.models ?? [],
      },
      signal,
    );
    dropCache(missing, 'is gone');
    const before = invalidSourcesError(missing);
    if (before !== undefined) throw before;
    const push = () =>
      pushKernel(
        client.kernels,
        ref,
        {
          newTitle: request.title,
          text: request.source,
          language: 'python',
          kernelType: 'script',
          datasetDataSources: request.datasets,
          competitionDataSources: request.competitions ?? [],
          kernelDataSources: cache === undefined ? kernels : [...kernels, cache],
          modelDataSources: request.models ?? [],
          isPrivate: request.private,
          enableInternet: request.internet,
          ...acceleratorFields(request.accelerator),
          ...imageFields(request.image),
          // Past the harness's own deadline, so a timed-out run still writes its manifest.
          sessionTimeoutSeconds: sessionTimeoutSeconds(request.timeoutSeconds),
        },
        { signal },
      );
    const result = await push()
      .catch((error: unknown) => {
        // Refused for the cache alone (a kernel naming a version of itself, say): once more
        // without it.
        if (
          error instanceof PushRejectedError &&
          dropCache(error.invalid, 'was refused as a source') &&
          invalidSourcesError(error.invalid) === undefined
        ) {
          return push();
        }
        throw error;
      })
      .catch((error: unknown) => {
        throw (
          (error instanceof PushRejectedError ? invalidSourcesError(error.invalid) : undefined) ??
          error
        );
      });
    // Accepted, yet without some sources (gone or made private since the check).
    dropCache(result.invalid, 'was not attached');
    const after = invalidSourcesError(result.invalid, {
      kernel: `${ref.owner}/${ref.slug}`,
      version: result.versionNumber,
    });
    if (after !== undefined) throw after;
    return {
      platform: 'kaggle',
      kernel: `${ref.owner}/${ref.slug}`,
      version: result.versionNumber,
      nonce: request.nonce,
      url: result.url,
    };
  }

  async datasetAccess(signal?: AbortSignal): Promise<DatasetAccess> {
    const client = await this.connect(signal);
    return { owner: client.username, datasets: client.datasets, endpoint: this.options.endpoint };
  }

  async *watch(handle: RunHandle, signal?: AbortSignal): AsyncIterable<WatchEvent> {
    const client = await this.connect(signal);
    const ref = parseKernelRef(handle.kernel);
    yield* watchKernel({
      kernels: client.kernels,
      ref,
      streamLog: (options) => client.streamLogBatches(ref.owner, ref.slug, options),
      sleep: this.options.sleep ?? defaultSleep,
      now: this.options.now ?? Date.now,
      signal,
      unknownGraceMs: this.options.unknownGraceMs,
      outageLimitMs: this.outageLimitMs(),
    });
  }

  /** A 404 or 5xx (Kaggle often answers so right after a push) is `unknown`, not an error. */
  async prepare(
    request: PushRequest,
    signal?: AbortSignal,
  ): Promise<{ kernel: string; versionBefore: number | null }> {
    const client = await this.connect(signal);
    const ref: KernelRef = { owner: client.username, slug: request.slug };
    return {
      kernel: `${ref.owner}/${ref.slug}`,
      versionBefore: await currentVersion(client.kernels, ref, signal),
    };
  }

  /** A kernel that does not exist, or whose status Kaggle cannot tell yet, is not busy. */
  async kernelBusy(slug: string, signal?: AbortSignal): Promise<boolean> {
    const client = await this.connect(signal);
    const { status } = await checkStatus(client.kernels, { owner: client.username, slug }, signal);
    return status === 'queued' || status === 'running';
  }

  async latestVersion(kernel: string, signal?: AbortSignal): Promise<number | null> {
    const client = await this.connect(signal);
    return currentVersion(client.kernels, parseKernelRef(kernel), signal);
  }

  async status(
    handle: RunHandle,
    signal?: AbortSignal,
  ): Promise<{ status: RemoteStatus; message?: string | undefined }> {
    const client = await this.connect(signal);
    return checkStatus(client.kernels, parseKernelRef(handle.kernel), signal);
  }

  private outageLimitMs(): number {
    return this.options.outageLimitMs ?? outageLimitFromEnv(this.options.env ?? process.env);
  }

  async listOutputs(handle: RunHandle, signal?: AbortSignal): Promise<RemoteFile[]> {
    const files: RemoteFile[] = [];
    for await (const page of this.listOutputPages(handle, signal)) files.push(...page);
    return files;
  }

  /**
   * The listing a page at a time (Kaggle gives at most 200 files a page: 2,000 outputs are
   * ten calls, each a round trip to Kaggle). Each page's URLs are usable as it comes: a
   * download of a file not listed yet waits for the page that has it.
   */
  async *listOutputPages(handle: RunHandle, signal?: AbortSignal): AsyncGenerator<RemoteFile[]> {
    const listing = new ListingInProgress();
    const key = handleKey(handle);
    this.listings.set(key, listing);
    this.urls.set(key, listing.urls);
    try {
      yield* this.readListing(handle, listing, signal);
    } finally {
      if (this.listings.get(key) === listing) this.listings.delete(key);
    }
  }

  /** Reads the listing into `listing`, a page at a time; `listing` has ended when it returns. */
  private async *readListing(
    handle: RunHandle,
    listing: ListingInProgress,
    signal?: AbortSignal,
  ): AsyncGenerator<RemoteFile[]> {
    try {
      const client = await this.connect(signal);
      const ref = parseKernelRef(handle.kernel);
      // A server restart (or a short outage) between the end of the run and a page is waited out.
      const outage = {
        limitMs: this.outageLimitMs(),
        sleep: this.options.sleep ?? defaultSleep,
        now: this.options.now ?? Date.now,
        signal,
        what: `listing the outputs of ${handle.kernel}`,
      };
      const pages = client.kernels.listKernelSessionOutputPages(ref.owner, ref.slug, {
        signal,
        pageSize: MAX_OUTPUT_PAGE_SIZE,
        eachCall: (call) => rideOutage(call, outage),
      });
      for await (const page of pages) {
        for (const f of page.files) listing.urls.set(f.fileName, f.url);
        listing.paged();
        yield page.files.map((f) => ({ path: f.fileName }));
      }
    } finally {
      listing.ended();
    }
  }

  /**
   * The URLs of a listing made now, whole. Downloads that need fresh URLs at the same time
   * (signed URLs expire together; a failed page leaves all its files unlisted) share one
   * listing, and each reads that listing's own map: another listing started meanwhile
   * cannot hide it.
   */
  private freshUrls(handle: RunHandle, signal?: AbortSignal): Promise<ReadonlyMap<string, string>> {
    const key = handleKey(handle);
    const running = this.relists.get(key);
    if (running !== undefined) return running;
    const listing = new ListingInProgress();
    const relist = (async () => {
      for await (const _ of this.readListing(handle, listing, signal)) void _;
      // Complete: the newest whole listing, for the downloads that come after.
      this.urls.set(key, listing.urls);
      return listing.urls;
    })().finally(() => {
      if (this.relists.get(key) === relist) this.relists.delete(key);
    });
    this.relists.set(key, relist);
    return relist;
  }

  /** The URL of `path` in the newest listing, once its page has come (undefined: not listed). */
  private async listedUrl(handle: RunHandle, path: string): Promise<string | undefined> {
    const key = handleKey(handle);
    for (;;) {
      const url = this.urls.get(key)?.get(path);
      const listing = this.listings.get(key);
      if (url !== undefined || listing === undefined) return url;
      await listing.nextPage();
    }
  }

  async download(
    handle: RunHandle,
    file: RemoteFile,
    dest: string,
    signal?: AbortSignal,
  ): Promise<DownloadedFile> {
    const client = await this.connect(signal);
    const limits = { maxBytes: file.maxBytes, madeDir: file.madeDir };
    const cached = await this.listedUrl(handle, file.path);
    if (cached !== undefined) {
      try {
        const got = await client.kernels.downloadFile(cached, dest, signal, limits);
        return { size: got.bytes, sha256: got.sha256 };
      } catch (error) {
        // Signed URLs expire (storage answers 400/403/404/410): a fresh listing has new ones.
        if (
          !(error instanceof KaggleApiError) ||
          error.effectiveStatus < 400 ||
          error.effectiveStatus >= 500
        ) {
          throw error;
        }
      }
    }
    const url = (await this.freshUrls(handle, signal)).get(file.path);
    if (url === undefined) {
      throw new PlatformError(
        `kernel ${handle.kernel} has no output file ${JSON.stringify(file.path)}`,
        {
          hint: `List what it has with \`kaggle-run outputs\`.`,
        },
      );
    }
    const got = await client.kernels.downloadFile(url, dest, signal, limits);
    return { size: got.bytes, sha256: got.sha256 };
  }
}

function imageFields(image: ImagePin | undefined) {
  if (image === undefined) return {};
  return 'pinning' in image
    ? { dockerImagePinningType: image.pinning }
    : { dockerImage: image.image, dockerImagePinningType: 'original' as const };
}

/** A listing whose pages are still coming: its URLs so far, and a wake-up for each page. */
class ListingInProgress {
  readonly urls = new Map<string, string>();
  private waiting: (() => void)[] = [];
  private over = false;

  /** Resolves when the next page has come, or the listing has ended (well or not). */
  nextPage(): Promise<void> {
    if (this.over) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  paged(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }

  ended(): void {
    this.over = true;
    this.paged();
  }
}

function handleKey(handle: RunHandle): string {
  return `${handle.kernel}@${handle.version ?? 'latest'}`;
}
