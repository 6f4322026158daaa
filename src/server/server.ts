// `kaggle-run server`: Kaggle's wire protocol (protocol.md) in front of the local executor,
// on loopback. Point the kaggle platform (or the official CLI) at it and the whole remote path
// runs offline, with faults injected on request.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError, errorMessage } from '../errors.js';
import { startExecution } from '../platform/local/executor.js';
import { sandboxAvailable } from '../platform/local/sandbox.js';
import { Authenticator, accountsFromEnv } from './auth.js';
import type { ServiceContext } from './context.js';
import { FaultInjector, type FaultKind, type FaultSettings, type RequestClass } from './faults.js';
import { serveFile } from './file-download.js';
import { serveUpload } from './blob-upload.js';
import { DatasetStore } from './dataset-store.js';
import { HttpError, Redirect, readJsonBody, sendError, sendJson, sleep } from './http-util.js';
import { KernelStore, RESTARTED_MESSAGE } from './kernel-store.js';
import { anonymousMethods } from './kernels-service.js';
import { serveLogStream } from './log-stream.js';
import { resolveLimits, type ServerOptions } from './options.js';
import { matchRoute, type Route } from './router.js';
import { SessionRunner } from './session-runner.js';
import { SeededSources } from './seeded-sources.js';
import { MapDatasetRegistry, type DatasetRegistry } from './sources.js';
import { ServerStats, type StatsSnapshot } from './stats.js';

export interface ServerHandle {
  /** `http://127.0.0.1:PORT`, the base URL for clients (both /v1 and /api/v1 work under it). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Problems met while loading the data folder (unreadable kernel records are skipped). */
  readonly warnings: readonly string[];
  /** Extra dataset folders that pushes may name in datasetDataSources (none by default). */
  readonly datasets: MapDatasetRegistry;
  /** Datasets created through the API, and the test hooks on their uploads. */
  readonly datasetStore: DatasetStore;
  stats(): StatsSnapshot;
  /** Replaces the fault settings at runtime and restarts the PRNG with `seed`. */
  setFaults(faults: string | Partial<FaultSettings> | undefined, seed?: number): void;
  /**
   * Stops running sessions (they end as ERROR), writes everything, closes every connection.
   * With `detachSessions` running sessions go on instead, for the next server on this data
   * folder to adopt (as after a crash of this one).
   */
  close(options?: { detachSessions?: boolean | undefined }): Promise<void>;
}

const RESPONSE_FAULTS: ReadonlySet<FaultKind> = new Set(['429', '500', '503', 'drop', 'slow']);

function requestClass(
  route: Route & { kind: 'rpc' | 'rest' | 'logs' | 'file' | 'upload' },
): RequestClass {
  if (route.kind === 'file') return 'file';
  if (route.kind === 'upload') return 'rpc';
  if (route.kind === 'logs') return 'logs';
  if (route.kind === 'rest') return 'rpc';
  return route.label === 'kernels.KernelsApiService/SaveKernel' ? 'push' : 'rpc';
}

/**
 * Without bubblewrap a session runs with the server's own rights: it can read the data
 * folder, so every account could read every other's private kernels, datasets and secrets.
 */
async function refuseSharedWithoutSandbox(options: ServerOptions, accounts: number) {
  if (accounts < 2 || options.trustedUser === true) return;
  const mode = options.sandbox ?? 'auto';
  if (mode === 'bwrap' || (mode === 'auto' && (await sandboxAvailable(options.env)))) return;
  const why =
    mode === 'none' ? 'sessions run without bubblewrap here' : 'bubblewrap is not usable here';
  throw new UsageError(
    `kaggle-run server will not serve ${accounts} accounts: ${why}, so a kernel of one account could read the others' private kernels, datasets, secrets and keys from the data folder`,
    {
      hint: 'Install bubblewrap (apt-get install bubblewrap), serve one account, or pass --trusted-user when every account belongs to one trusted person.',
    },
  );
}

export async function startServer(options: ServerOptions = {}): Promise<ServerHandle> {
  const dataDir = resolve(options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kaggle-run-server-'))));
  await mkdir(dataDir, { recursive: true });
  const accounts = options.accounts ?? accountsFromEnv(options.env ?? process.env);
  if (accounts.length === 0) {
    throw new UsageError('kaggle-run server has no accounts to accept', {
      hint: 'Pass --accounts FILE, or set KAGGLE_USERNAME and KAGGLE_KEY.',
    });
  }
  await refuseSharedWithoutSandbox(options, accounts.length);
  const { store, warnings, unfinished } = await KernelStore.open(dataDir);
  const limits = resolveLimits(options);
  const nowMs = options.now ?? Date.now;
  const faults = new FaultInjector(options.faults, options.faultSeed);
  const stats = new ServerStats();
  const datasets = new MapDatasetRegistry();
  const datasetStore = await DatasetStore.open(dataDir, options.datasetReadyDelayMs ?? 1000, nowMs);
  // Test folders first, then the datasets created through the API.
  const registry: DatasetRegistry = {
    lookup: (owner, slug, version, user) =>
      datasets.lookup(owner, slug) ?? datasetStore.lookup(owner, slug, version, user),
  };
  const runner = new SessionRunner({
    store,
    startExecution: options.startExecution ?? startExecution,
    python: options.python,
    sandbox: options.sandbox,
    hidden: [options.accountsFile, options.seedDir]
      .filter((p) => p !== undefined)
      .map((p) => resolve(p)),
  });
  // Finds the real interpreter behind python3 (a pyenv shim) before the first push needs it.
  if (options.startExecution === undefined) runner.warm();
  // Sessions an earlier server left running go on, or are finalized, under this one.
  // Those that never started are ERROR before the first request is answered.
  await Promise.all(
    unfinished.map(async ({ kernel, version }) => {
      const session = runner.adopt(kernel, version);
      if ((await session.execution) === undefined) await session.finished;
    }),
  );
  const ctx: ServiceContext = {
    auth: new Authenticator(accounts),
    store,
    runner,
    limits,
    datasets: registry,
    datasetStore,
    seeded: new SeededSources(
      dataDir,
      options.seedDir === undefined ? undefined : resolve(options.seedDir),
    ),
    inputLayout: options.inputLayout ?? 'current',
    faults,
    stats,
    nowMs,
    status404: new Map(),
  };
  // A JSON-escaped source can be several times its size; leave room for it.
  const bodyLimit = Math.max(16 * 1024 * 1024, 8 * limits.maxSourceBytes);
  let boundUrl = '';

  const snapshot = (): StatsSnapshot =>
    stats.snapshot({
      faultSeed: faults.seed,
      sessionsRunning: runner.counts().running,
      sessionsQueued: runner.counts().queued,
    });

  function authenticated(req: IncomingMessage): string {
    const user = ctx.auth.authenticate(req.headers.authorization);
    if (user === undefined) throw new HttpError(401, 'Unauthenticated');
    return user;
  }

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = matchRoute(req.method ?? 'GET', url.pathname, url.searchParams);
    if (route.kind === 'stats') {
      // Only an account's own figures: how busy another account is is not its business.
      const user = authenticated(req);
      const counts = runner.counts(user);
      return sendJson(
        res,
        200,
        stats.snapshotFor(user, {
          faultSeed: faults.seed,
          sessionsRunning: counts.running,
          sessionsQueued: counts.queued,
        }),
      );
    }
    if (route.kind === 'error') {
      const headers: Record<string, string> =
        route.allow === undefined ? {} : { Allow: route.allow };
      return sendError(res, new HttpError(route.status, route.message, headers));
    }

    const requestIndex = stats.countRequest(
      route.label,
      ctx.auth.authenticate(req.headers.authorization),
    );
    const fault = faults.draw(requestClass(route));
    if (fault !== undefined && (RESPONSE_FAULTS.has(fault) || fault === 'truncate')) {
      stats.countFault(requestIndex, route.label, fault);
    }
    switch (fault) {
      case '429':
        throw new HttpError(429, 'Too many requests', { 'Retry-After': '1' });
      case '500':
        throw new HttpError(500, 'Internal error (injected fault)');
      case '503':
        throw new HttpError(503, 'Service unavailable (injected fault)');
      case 'drop':
        req.socket.destroy();
        return;
      case 'slow':
        await sleep(faults.current.slowMs);
        break;
      default:
        break;
    }

    if (route.kind === 'file') {
      return serveFile(
        req,
        res,
        {
          store,
          datasetStore,
          seeded: ctx.seeded,
          dataDir,
          stats,
          nowMs,
          truncate: fault === 'truncate',
        },
        route.token,
        route.path,
      );
    }
    if (route.kind === 'upload') {
      return serveUpload(req, res, { datasets: datasetStore, stats, nowMs }, route.uploadId);
    }
    if (route.kind === 'logs') {
      return serveLogStream(res, ctx, authenticated(req), route.owner, route.slug);
    }
    const user = anonymousMethods.has(route.label)
      ? ctx.auth.authenticate(req.headers.authorization)
      : authenticated(req);
    const body = route.kind === 'rest' ? route.body : await readJsonBody(req, bodyLimit);
    const origin =
      options.publicUrl ?? (req.headers.host ? `http://${req.headers.host}` : boundUrl);
    const result = await route.handler(ctx, {
      user,
      body,
      origin: origin.replace(/\/+$/, ''),
      fault: fault === 'queue' || fault === 'status404' ? fault : undefined,
      requestIndex,
      route: route.label,
    });
    if (result instanceof Redirect) {
      res.writeHead(302, { Location: result.location, 'Content-Length': '0' });
      res.end();
      return;
    }
    sendJson(res, 200, result);
  }

  const server = createServer((req, res) => {
    dispatch(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) sendError(res, error);
      else sendError(res, new HttpError(500, `kaggle-run server: ${errorMessage(error)}`));
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  boundUrl = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url: boundUrl,
    port: address.port,
    dataDir,
    warnings,
    datasets,
    datasetStore,
    stats: snapshot,
    setFaults: (spec, seed) => faults.configure(spec, seed),
    close: (closeOptions) =>
      (closing ??= (async () => {
        const closed = new Promise<void>((done) => server.close(() => done()));
        if (closeOptions?.detachSessions === true) await runner.detachAll();
        else await runner.stopAll(RESTARTED_MESSAGE);
        await runner.closeSpares();
        // A version being unpacked is finished first: stopping mid-way would leave it FAILED.
        await datasetStore.idle();
        await store.flush();
        server.closeAllConnections();
        await closed;
      })()),
  };
}
