import type { CliIo } from './io.js';

/**
 * First Ctrl-C: abort the work (a local run stops, a Kaggle run goes on and can be
 * re-attached). Second Ctrl-C: exit at once.
 */
export function interruptOnSigint(io: CliIo): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let count = 0;
  const onSigint = () => {
    count += 1;
    if (count > 1) process.exit(130);
    io.stderr('\nkaggle-run: interrupted; stopping (Ctrl-C again to exit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
