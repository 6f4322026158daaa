import type { CliIo } from './io.js';

/**
 * Ctrl-C, SIGTERM (`kill`, `timeout`) and SIGHUP (the terminal closed) all stop the work the
 * same way, so the record ends the same way whichever came: a local run is stopped and
 * recorded `cancelled`, a Kaggle run goes on and can be re-attached. A second signal exits
 * at once.
 */
export function interruptOnSigint(io: CliIo): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => {
    count += 1;
    if (count > 1) process.exit(130);
    const how = name === 'SIGINT' ? 'Ctrl-C again' : 'a second signal';
    io.stderr(`\nkaggle-run: interrupted (${name}); stopping (${how} to exit at once)\n`);
    controller.abort();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const name of signals) process.on(name, onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of signals) process.off(name, onSignal);
    },
  };
}
