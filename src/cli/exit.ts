import { ConfigError, KaggleRunError, errorMessage, exitCodeOf } from '../errors.js';
import type { CliIo } from './io.js';

/** The one place where errors become exit codes and messages. */
export function reportError(error: unknown, io: CliIo, json: boolean): number {
  const code = exitCodeOf(error);
  const hint = error instanceof KaggleRunError ? error.hint : undefined;
  if (json) {
    const payload: Record<string, unknown> = {
      error: {
        kind: error instanceof KaggleRunError ? error.name : 'Error',
        message: errorMessage(error),
        exitCode: code,
        ...(hint === undefined ? {} : { hint }),
        ...(error instanceof ConfigError ? { problems: error.problems } : {}),
      },
    };
    io.stdout(`${JSON.stringify(payload, null, 2)}\n`);
  } else {
    io.stderr(`kaggle-run: ${errorMessage(error)}\n`);
    if (hint !== undefined) io.stderr(`  hint: ${hint}\n`);
    if (!(error instanceof KaggleRunError) && error instanceof Error && error.stack) {
      io.stderr(
        `${error.stack}\nThis is a bug in kaggle-run; please report it with the lines above.\n`,
      );
    }
  }
  return code;
}

export { exitCodeForRecord } from '../run/exit-code.js';
