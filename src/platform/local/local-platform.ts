// The embedded default platform: runs the harness on this machine in a per-run sandbox laid
// out like a Kaggle session.

import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformError } from '../../errors.js';
import type { Job } from '../../job.js';
import type { RunEvent } from '../../run/events.js';
import { importHint } from '../../run/import-hint.js';
import type { ShipRunContext, Shipment } from '../../ship/ship-context.js';
import { shipLocal } from '../../ship/ship-local.js';
import { installLocalRequirements } from '../../requirements/local-requirements.js';
import { copyHashed } from '../../util/hash.js';
import { resolveInside } from '../../util/safe-path.js';
import { capabilitiesOf } from '../capabilities.js';
import type {
  DownloadedFile,
  Platform,
  PushRequest,
  RemoteFile,
  RemoteStatus,
  RunHandle,
  WatchEvent,
} from '../platform.js';
import { startExecution, type Execution } from './executor.js';
import { listRegularFiles } from './list-files.js';
import { sandboxAvailable } from './sandbox.js';

export interface LocalPlatformOptions {
  /** Interpreter to run the harness with (see python.ts). */
  python: string;
  sandbox?: 'auto' | 'bwrap' | 'none';
  /** Where per-run sandboxes are made; default the OS temp folder. */
  workRoot?: string;
}

/** Extra seconds the process may run past the job's timeout: the harness enforces the
 * timeout itself and then still writes its manifest, so partial outputs come back. */
const HARNESS_GRACE_SECONDS = 30;

export class LocalPlatform implements Platform {
  readonly name = 'local' as const;
  readonly capabilities = capabilitiesOf('local');
  private readonly executions = new Map<string, Execution>();

  constructor(private options: LocalPlatformOptions) {}

  /** The interpreter the harness and the program run with. */
  get python(): string {
    return this.options.python;
  }

  ship(ctx: ShipRunContext): AsyncGenerator<RunEvent, Shipment> {
    return shipLocal(ctx);
  }

  /** `/kaggle/...` paths exist here only inside bubblewrap: say so when there is none. */
  async notes(job: Job, packedFiles: readonly string[], env: NodeJS.ProcessEnv): Promise<string[]> {
    if (await sandboxAvailable(env)) return [];
    const hits: string[] = [];
    for (const file of packedFiles) {
      if (!/\.(py|ipynb)$/.test(file)) continue;
      const text = await readFile(join(job.root, file), 'utf8').catch(() => '');
      if (text.includes('/kaggle/')) hits.push(file);
    }
    if (hits.length === 0) return [];
    return [
      `${hits.join(', ')} mention /kaggle/ paths, which exist here only inside bubblewrap (not available); use the KAGGLE_RUN_WORKING_DIR and KAGGLE_RUN_INPUT_DIR variables, or install bubblewrap`,
    ];
  }

  /** Kaggle's Python is Kaggle's; here another interpreter may have what the program missed. */
  explainFailure(stderr: string, root: string): Promise<string | undefined> {
    return importHint(stderr, this.options.python, root);
  }

  /**
   * A local run's requirements go into the project's venv (made once, reused while they and
   * the interpreter are unchanged), and the run then uses that venv's interpreter: the
   * harness installs nothing and the user's own interpreter is never changed.
   */
  async *installRequirements(
    job: Job,
    storeRoot: string,
    env: NodeJS.ProcessEnv,
    signal?: AbortSignal,
  ): AsyncGenerator<RunEvent, boolean> {
    const venv = yield* installLocalRequirements({
      job,
      python: this.options.python,
      storeRoot,
      env,
      signal,
    });
    if (venv === undefined) return false;
    this.options = { ...this.options, python: venv.python };
    return true;
  }

  async push(request: PushRequest): Promise<RunHandle> {
    const dir = join(this.options.workRoot ?? tmpdir(), `kaggle-run-${request.runId}`);
    const execution = await startExecution({
      dir,
      source: request.source,
      kind: 'script',
      inputs: request.inputs,
      inputMap: request.inputMap,
      accelerator: request.accelerator,
      timeoutSeconds: request.timeoutSeconds + HARNESS_GRACE_SECONDS,
      python: this.options.python,
      sandbox: this.options.sandbox,
      // One reader (watch): a program printing faster than it is shown waits, memory bounded.
      keepLog: false,
      internet: request.internet,
    });
    this.executions.set(request.runId, execution);
    return { platform: 'local', kernel: request.runId, version: 1, nonce: request.nonce };
  }

  /** Whether the run sees /kaggle/input and /kaggle/working (bubblewrap). */
  isSandboxed(handle: RunHandle): boolean {
    return this.execution(handle).sandboxed;
  }

  async *watch(handle: RunHandle, signal?: AbortSignal): AsyncIterable<WatchEvent> {
    const execution = this.execution(handle);
    yield { type: 'status', status: 'running' };
    for await (const entry of execution.follow(signal)) {
      yield { type: 'log', stream: entry.stream_name, text: entry.data };
    }
    if (signal?.aborted) return;
    yield { type: 'status', status: (await execution.done).status };
  }

  async status(handle: RunHandle): Promise<{ status: RemoteStatus }> {
    const execution = this.execution(handle);
    const settled = await Promise.race([execution.done, Promise.resolve(undefined)]);
    return { status: settled?.status ?? 'running' };
  }

  async listOutputs(handle: RunHandle): Promise<RemoteFile[]> {
    const files = await listRegularFiles(this.execution(handle).workingDir);
    return files.map((f) => ({ path: f.path }));
  }

  async download(handle: RunHandle, file: RemoteFile, dest: string): Promise<DownloadedFile> {
    const source = resolveInside(this.execution(handle).workingDir, file.path);
    const copied = await copyHashed(source, dest, file.maxBytes);
    // As a Kaggle download refuses a file over its cap (a manifest over its limit, say).
    if (file.maxBytes !== undefined && copied.size > file.maxBytes) {
      throw new PlatformError(
        `output ${file.path} is larger than the ${file.maxBytes} bytes expected`,
      );
    }
    return copied;
  }

  async cancel(handle: RunHandle): Promise<void> {
    const execution = this.executions.get(handle.kernel);
    if (execution === undefined) return;
    execution.kill();
    await execution.done;
  }

  async release(handle: RunHandle): Promise<void> {
    const execution = this.executions.get(handle.kernel);
    if (execution === undefined) return;
    this.executions.delete(handle.kernel);
    await rm(join(execution.workingDir, '..'), { recursive: true, force: true });
  }

  private execution(handle: RunHandle): Execution {
    const execution = this.executions.get(handle.kernel);
    if (execution === undefined) {
      throw new PlatformError(
        `local run ${handle.kernel} is not running in this process; local runs end with the process that started them`,
      );
    }
    return execution;
  }
}
