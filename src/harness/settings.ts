// The settings the harness reads (version 1) and how a resolved Job maps to them. They reach
// the platform only as base64 JSON inside the rendered script, so no value can become code.
// The harness checks everything again; the checks here fail before a Kaggle session is spent.

import type { BatchMode } from '../config/batch-schema.js';
import { accelerators, type Accelerator } from '../accelerator.js';
import { maxTimeoutSeconds } from '../config/duration.js';
import { isIdentifier } from '../config/params.js';
import { InternalError, UsageError } from '../errors.js';
import { argTemplateRefs, contractMessage, harnessContract } from './contract.js';
import { schemaProblem } from './schema.js';
import type { Job, Params } from '../job.js';

export type AcceleratorKind = 'gpu' | 'tpu' | 'none';

/**
 * Where the harness finds the code: the zip in its own source; a zip under the input dir
 * (`path` is relative to it; a folder of that name without `.zip`, as Kaggle may extract it,
 * works too); or a git repository cloned at a pinned commit, with a token from the Kaggle
 * secret `tokenSecret` when the repository is private.
 */
export type HarnessCode =
  | { mode: 'inline' }
  | { mode: 'file'; path: string }
  | {
      mode: 'git';
      url: string;
      commit: string;
      /** A ref the commit is reachable from (a hidden snapshot ref), fetched when set. */
      ref: string | null;
      /** The job root inside the repository, POSIX, '' at its top. */
      subdir: string;
      tokenSecret: string | null;
    };

/** One batch item: its id (a folder name under items/) and the params it runs with. */
export interface BatchItem {
  id: string;
  params: Params;
}

export interface HarnessSettings {
  version: 1;
  runId: string;
  nonce: string;
  /** POSIX path of the entry inside the code zip, e.g. `train.py` or `nb/analysis.ipynb`. */
  entry: string;
  kind: 'script' | 'notebook';
  /** argv templates: `${name}` is the param's value, `$${x}` a literal `${x}`. */
  args: string[];
  params: Params;
  accelerator: Accelerator;
  acceleratorKind: AcceleratorKind;
  /** True on Kaggle: a missing accelerator fails the run; false locally: a warning. */
  strictAccelerator: boolean;
  requirements: null | { file: string } | { packages: string[] };
  /**
   * The wheel cache of the requirements: `key` names the requirements and image; `from`, a
   * folder under the input dir, holds the wheels a previous session kept for a key (installed
   * from with no index when it is this one). After a normal install the harness keeps the
   * wheels in `kaggle-run-wheels/` of the working dir, out of the manifest. Null: none.
   */
  wheelCache?: { key: string; from: string | null } | null | undefined;
  /** `file` paths are relative to the input dir. */
  code: HarnessCode;
  /** The harness stops the program after this long (failedStep `timeout`, exit 124). */
  timeoutSeconds: number | null;
  /** Kaggle user secrets to load into the program's environment (values masked in the log). */
  secrets: string[];
  /** A JSON object of variables (NAME -> value) under the input dir, loaded like secrets. */
  envFile: { path: string } | null;
  /**
   * `per-item`: runs the entry once per item, with the item's params over the job's; what
   * each item writes is moved to items/<id>/. `loop`: runs the entry once, the items in a
   * file it iterates (KAGGLE_RUN_ITEMS_FILE), each writing to items/<id>/. Either way each
   * item's end goes in the manifest.
   */
  batch: { items: BatchItem[]; mode: BatchMode } | null;
  /**
   * After the manifest, delete code files the program left unchanged (Kaggle saves the
   * working folder as the kernel's output; they would be stored and listed there).
   */
  dropUnchangedCode: boolean;
  /**
   * False: code that Kaggle unpacked into a read-only input is copied whole into the working
   * folder, never linked in place (`code_in_place: false`). Absent: linked where it is big.
   */
  codeInPlace?: false | undefined;
}

/**
 * Seconds a Kaggle session outlives the harness's own deadline: after the deadline the
 * harness stops the program (TIMEOUT_GRACE, 5 s), hashes the outputs into its manifest, and
 * the platform saves the working folder. Were the session timeout the job's timeout, the
 * platform would kill the session first and the run would end without a manifest.
 */
export const SESSION_MARGIN_SECONDS = 120;

/** The harness's deadline: the job's timeout, kept the margin short of the 12 h cap. */
export function harnessTimeoutSeconds(jobTimeoutSeconds: number): number {
  return Math.min(jobTimeoutSeconds, maxTimeoutSeconds - SESSION_MARGIN_SECONDS);
}

/** The session timeout asked of the platform: the harness's deadline plus the margin. */
export function sessionTimeoutSeconds(jobTimeoutSeconds: number): number {
  return Math.min(
    harnessTimeoutSeconds(jobTimeoutSeconds) + SESSION_MARGIN_SECONDS,
    maxTimeoutSeconds,
  );
}

export function acceleratorKindOf(accelerator: Accelerator): AcceleratorKind {
  const info = accelerators[accelerator];
  return info.gpu ? 'gpu' : info.tpu ? 'tpu' : 'none';
}

/** The param names an argv template refers to (`$${x}` is a literal, not a reference). */
export const argNames = argTemplateRefs;

/** Whether `name` can be a Python variable (what the notebook's injected cell assigns). */
export function isPythonIdentifier(name: string): boolean {
  return isIdentifier(name) && !harnessContract().keywords.has(name);
}

function checkJob(job: Job): void {
  // The harness checks both again, in the same words (the contract's).
  const unknown = [...new Set(job.args.flatMap(argNames))].filter((n) => !(n in job.params));
  if (unknown.length > 0) {
    const { message, hint } = contractMessage('args', 'unknownParams', {
      s: unknown.length === 1 ? '' : 's',
      them: unknown.length === 1 ? 'it' : 'them',
      refs: unknown.map((n) => `\${${n}}`).join(', '),
      known: Object.keys(job.params).sort().join(', ') || 'none',
    });
    throw new UsageError(message, { hint });
  }
  if (job.kind === 'notebook') {
    const bad = Object.keys(job.params).filter((n) => !isPythonIdentifier(n));
    if (bad.length > 0) {
      const { message, hint } = contractMessage('notebook', 'notVariables', {
        s: bad.length === 1 ? '' : 's',
        names: bad.map((n) => JSON.stringify(n)).join(', '),
      });
      throw new UsageError(message, { hint });
    }
  }
}

export interface SettingsOptions {
  runId: string;
  nonce: string;
  code: HarnessCode;
  strictAccelerator: boolean;
  /** Where the shipped env file lands, relative to the input dir. */
  envFile?: { path: string } | undefined;
  batch?: { items: BatchItem[]; mode: BatchMode } | undefined;
  dropUnchangedCode?: boolean | undefined;
  /** The requirements are installed already (a local run's project venv): the harness skips them. */
  requirementsInstalled?: boolean | undefined;
  /** The wheel cache of the requirements (remote runs): its key and where its wheels are. */
  wheelCache?: { key: string; from: string | null } | undefined;
}

export function settingsForJob(job: Job, opts: SettingsOptions): HarnessSettings {
  checkJob(job);
  const settings = buildSettings(job, opts);
  // The harness checks its settings against the contract's schema; so does the CLI, here,
  // before a session is spent on settings the harness would refuse.
  const problem = schemaProblem(settings, 'settings');
  if (problem !== undefined) {
    throw new InternalError(`the harness would refuse this run's settings: ${problem.message}`, {
      hint: 'this is a bug in kaggle-run; please report it with the job spec',
    });
  }
  return settings;
}

function buildSettings(job: Job, opts: SettingsOptions): HarnessSettings {
  const requirements = job.requirements;
  return {
    version: 1,
    runId: opts.runId,
    nonce: opts.nonce,
    entry: job.entry,
    kind: job.kind,
    args: [...job.args],
    params: { ...job.params },
    accelerator: job.accelerator,
    acceleratorKind: acceleratorKindOf(job.accelerator),
    strictAccelerator: opts.strictAccelerator,
    requirements:
      requirements === undefined || opts.requirementsInstalled === true
        ? null
        : 'file' in requirements
          ? { file: requirements.file }
          : { packages: [...requirements.packages] },
    // Only when there is one: the settings of a run without keep their shape.
    ...(requirements === undefined || opts.requirementsInstalled === true || !opts.wheelCache
      ? {}
      : { wheelCache: opts.wheelCache }),
    code: opts.code,
    timeoutSeconds:
      Number.isFinite(job.timeoutSeconds) && job.timeoutSeconds > 0
        ? harnessTimeoutSeconds(job.timeoutSeconds)
        : null,
    secrets: [...job.secrets],
    envFile: opts.envFile ?? null,
    batch: opts.batch ?? null,
    dropUnchangedCode: opts.dropUnchangedCode ?? false,
    // Only when turned off: the settings of a run that keeps the default keep their shape.
    ...(job.codeInPlace === false ? { codeInPlace: false as const } : {}),
  };
}
