// Gets a run's code, data and env vars to where its kernel will find them, and renders the
// harness that finds them there. What is shared is checked here; the platform owns the rest
// (Platform.ship): local files copied into the sandbox (ship-local.ts), or Kaggle datasets
// and commits (ship-kaggle.ts).

import { UsageError } from '../errors.js';
import type { Platform } from '../platform/platform.js';
import type { RunEvent } from '../run/events.js';
import type { ShipRunContext, Shipment } from './ship-context.js';

export { INLINE_SOURCE_LIMIT } from './ship-context.js';
export type { ShipRunContext, Shipment } from './ship-context.js';

export async function* shipRun(
  platform: Platform,
  ctx: ShipRunContext,
): AsyncGenerator<RunEvent, Shipment> {
  const { job } = ctx;
  if (job.envFile !== undefined && !job.private) {
    throw new UsageError(
      `env_file ships ${job.envFile.path}'s variables to the kernel, and this kernel is public (private: false)`,
      { hint: 'make the kernel private (private: true), or use Kaggle secrets (`secrets:`)' },
    );
  }
  return yield* platform.ship(ctx);
}
