// A local run's requirements: parsed, then installed into the project's venv (or the venv
// reused), with pip's output shown as it comes. The harness then runs in that venv and
// installs nothing itself.

import { relativeInside } from '../util/safe-path.js';
import type { Job } from '../job.js';
import type { RunEvent } from '../run/events.js';
import { probePython } from '../platform/local/python.js';
import { PlatformError } from '../errors.js';
import { parseRequirements } from './parse-requirements.js';
import { ensureProjectVenv, type ProjectVenv } from './project-venv.js';

export interface LocalRequirementsOptions {
  job: Job;
  /** The interpreter the venv is made from. */
  python: string;
  storeRoot: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
}

/** An install may take as long as the job may, and at least ten minutes. */
const MIN_INSTALL_MS = 10 * 60_000;

export async function* installLocalRequirements(
  options: LocalRequirementsOptions,
): AsyncGenerator<RunEvent, ProjectVenv | undefined> {
  const { job } = options;
  if (job.requirements === undefined) return undefined;
  const parsed = await parseRequirements(job.root, job.requirements);
  if (parsed.text === '') return undefined;
  const base = await probePython(options.python, job.root);
  if (base === undefined) {
    throw new PlatformError(`${options.python} stopped answering before the install`);
  }
  const timeoutMs = Math.max(
    MIN_INSTALL_MS,
    Number.isFinite(job.timeoutSeconds) ? job.timeoutSeconds * 1000 : MIN_INSTALL_MS,
  );
  // pip's lines arrive on a callback; the generator hands them on as they come.
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  const pending = ensureProjectVenv({
    root: job.root,
    storeRoot: options.storeRoot,
    basePython: base.executable,
    baseVersion: base.version,
    requirements: parsed,
    timeoutMs,
    env: options.env,
    signal: options.signal,
    onLine: (line) => {
      lines.push(line);
      wake?.();
    },
  });
  let settled = false;
  const done = pending.then(
    () => undefined,
    () => undefined,
  );
  void done.then(() => {
    settled = true;
    wake?.();
  });
  let announced = false;
  while (!settled || lines.length > 0) {
    if (lines.length === 0) {
      await new Promise<void>((r) => {
        wake = r;
        if (settled || lines.length > 0) r();
      });
      wake = undefined;
      continue;
    }
    if (!announced) {
      announced = true;
      yield status(
        `installing requirements into the project environment ${shown(job.root, options.storeRoot)}/venv`,
      );
    }
    for (const line of lines.splice(0)) yield log(line);
  }
  const venv = await pending;
  const where = shown(job.root, venv.dir);
  yield status(
    venv.reused
      ? `requirements: ${where} (unchanged requirements and interpreter: nothing installed)`
      : `requirements: installed into ${where}`,
  );
  return venv;
}

/** A folder inside the project by its relative name, anything else (the root too) in full. */
function shown(root: string, folder: string): string {
  return relativeInside(root, folder) ?? folder;
}

/** A line of kaggle-run's own, marked as the harness marks its lines. */
function status(text: string): RunEvent {
  return log(`[kaggle-run] ${text}`);
}

function log(text: string): RunEvent {
  return { type: 'log', stream: 'stdout', text: `${text}\n` };
}
