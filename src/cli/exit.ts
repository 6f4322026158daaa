import {
  ConfigError,
  KaggleRunError,
  diskFullError,
  errorMessage,
  exitCodeOf,
  runIdOf,
} from '../errors.js';
import type { CliIo } from './io.js';
import { eventLine } from './render/event-line.js';

/** How an error is printed: a message on stderr, a JSON document, or the last event line. */
export type ErrorFormat = 'text' | 'json' | 'events';

/** The error format that goes with an output mode. */
export function errorFormat(mode: string): ErrorFormat {
  return mode === 'json' ? 'json' : mode === 'events' ? 'events' : 'text';
}

/** The machine-readable form of an error, shared by `--json` and `--events`. */
export function errorFields(error: unknown): Record<string, unknown> {
  const hint = error instanceof KaggleRunError ? error.hint : undefined;
  return {
    kind: error instanceof KaggleRunError ? error.name : 'Error',
    message: errorMessage(error),
    exitCode: exitCodeOf(error),
    ...(hint === undefined ? {} : { hint }),
    ...(error instanceof ConfigError ? { problems: error.problems } : {}),
  };
}

/**
 * The one place where errors become exit codes and messages. `runId` is the run the error
 * ended when the caller knows it (from the run's events) and the error does not say.
 */
export function reportError(
  thrown: unknown,
  io: CliIo,
  format: ErrorFormat | boolean,
  runId?: string | null,
): number {
  // A full disk shows as what it is, whichever step it broke.
  const error = diskFullError(thrown) ?? thrown;
  const code = exitCodeOf(error);
  const as: ErrorFormat = format === true ? 'json' : format === false ? 'text' : format;
  const run = runIdOf(error) ?? runId ?? null;
  if (as === 'json') {
    io.stdout(`${JSON.stringify({ runId: run, error: errorFields(error) }, null, 2)}\n`);
    return code;
  }
  if (as === 'events')
    io.stdout(eventLine({ type: 'error', runId: run, error: errorFields(error) }));
  const hint = error instanceof KaggleRunError ? error.hint : undefined;
  io.stderr(`kaggle-run: ${errorMessage(error)}\n`);
  if (hint !== undefined) io.stderr(`  hint: ${hint}\n`);
  if (!(error instanceof KaggleRunError) && error instanceof Error && error.stack) {
    io.stderr(
      `${error.stack}\nThis is a bug in kaggle-run; please report it with the lines above.\n`,
    );
  }
  return code;
}

export { exitCodeForRecord } from '../run/exit-code.js';
