// One error hierarchy, split by blame. Every error that reaches the CLI maps to an exit code
// here and nowhere else (design.md: 0 ok, 1 program failed, 2 usage/config, 3 platform/API/
// network, 4 timed out, 130 interrupted).

export const ExitCode = {
  ok: 0,
  programFailed: 1,
  usage: 2,
  platform: 3,
  timedOut: 4,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class KaggleRunError extends Error {
  abstract readonly exitCode: ExitCode;
  /** A short line telling the user what to do next, when there is something to do. */
  readonly hint: string | undefined;
  /**
   * The run this error ended, once the run had a record: a host shows or attaches to it
   * (`kaggle-run show RUN`, `attach RUN`). Set by the runner, not by whoever throws.
   */
  runId: string | undefined;

  constructor(message: string, options: { hint?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.runId = undefined;
  }
}

/** Bad flags, bad arguments, missing files the user named. */
export class UsageError extends KaggleRunError {
  readonly exitCode = ExitCode.usage;
}

export interface ConfigProblem {
  /** Dot path inside the config, e.g. `outputs.0` or `profiles.quick.lr`. */
  path: string;
  message: string;
  file?: string | undefined;
  line?: number | undefined;
}

/** A config file that does not validate; carries every problem at once. */
export class ConfigError extends UsageError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[], options: { hint?: string } = {}) {
    super(ConfigError.describe(problems), options);
    this.problems = problems;
  }
  static describe(problems: ConfigProblem[]): string {
    const lines = problems.map((p) => {
      const where = [p.file, p.line === undefined ? undefined : String(p.line)]
        .filter((x) => x !== undefined)
        .join(':');
      return `  ${where ? `${where}: ` : ''}${p.path ? `${p.path}: ` : ''}${p.message}`;
    });
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    return `invalid configuration (${count}):\n${lines.join('\n')}`;
  }
}

/** The user's program ran and failed (non-zero exit) on the platform. */
export class ProgramFailedError extends KaggleRunError {
  readonly exitCode = ExitCode.programFailed;
}

/** The platform, its API or the network failed us; the user's program may be fine. */
export class PlatformError extends KaggleRunError {
  readonly exitCode = ExitCode.platform;
}

/**
 * The run ended on the platform but what it left cannot be had any more (another version of
 * its kernel replaced it): final, so its record is finished and `attach` cannot help.
 */
export class RunLostError extends PlatformError {}

/**
 * The platform refused a push because all the sessions it allows at once are busy: a wait,
 * not a failure (the runner pushes again when one may have freed). Every platform maps its
 * own refusal onto this one, so the runner and the sweep scheduler never ask whose it is.
 */
export class CapacityError extends PlatformError {
  /** How many sessions the platform runs at once, as its refusal said. */
  readonly maxSessions: number;
  constructor(
    message: string,
    options: { maxSessions: number; hint?: string | undefined; cause?: unknown },
  ) {
    super(message, options);
    this.maxSessions = options.maxSessions;
  }
}

/** The job ran past its timeout (or a wait ran past its limit). */
export class RunTimeoutError extends KaggleRunError {
  readonly exitCode = ExitCode.timedOut;
}

/** Ctrl-C: we stopped watching; a remote run goes on. */
export class InterruptedError extends KaggleRunError {
  readonly exitCode = ExitCode.interrupted;
}

/**
 * This machine could not hold what kaggle-run had to write (disk full, quota): neither the
 * program's fault nor the platform's, but it stops the work like a platform failure does.
 */
export class DiskFullError extends KaggleRunError {
  readonly exitCode = ExitCode.platform;
}

const diskFullCodes = new Set(['ENOSPC', 'EDQUOT']);

/** A DiskFullError for a write that failed for lack of space, else undefined. */
export function diskFullError(error: unknown, what?: string): DiskFullError | undefined {
  if (error instanceof DiskFullError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !diskFullCodes.has(code)) return undefined;
  const path = (error as { path?: unknown }).path;
  const where = what ?? (typeof path === 'string' ? path : 'a file');
  return new DiskFullError(`no space left on this machine while writing ${where} (${code})`, {
    cause: error,
    hint: 'free some disk space (old runs live in .kaggle-run/runs/, or KAGGLE_RUN_HOME), then run the command again',
  });
}

/** A bug in kaggle-run itself. */
export class InternalError extends KaggleRunError {
  readonly exitCode = ExitCode.platform;
}

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof KaggleRunError ? error.exitCode : ExitCode.platform;
}

/** Marks the error as ending run `runId` (kept when it already names a run). */
export function withRunId<E extends KaggleRunError>(error: E, runId: string): E {
  error.runId ??= runId;
  return error;
}

/** The run an error belongs to, when it had one. */
export function runIdOf(error: unknown): string | undefined {
  return error instanceof KaggleRunError ? error.runId : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What was thrown, as an Error (a thrown string or object becomes one). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
