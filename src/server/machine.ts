// Which accelerator a push asks for, from machineShape or the deprecated enableGpu/enableTpu,
// and which weekly quota (and session cap) it counts against.

import { accelerators, type Accelerator } from '../accelerator.js';
import { HttpError } from './http-util.js';
import type { KernelRecord, QuotaKind } from './kernel-store.js';

function findMachineShape(shape: string): Accelerator {
  for (const [name, info] of Object.entries(accelerators)) {
    if (info.machineShape?.toLowerCase() === shape.toLowerCase()) return name as Accelerator;
  }
  const known = Object.values(accelerators)
    .map((a) => a.machineShape)
    .filter((s) => s !== undefined);
  throw new HttpError(400, `Unknown machineShape "${shape}". Known shapes: ${known.join(', ')}.`);
}

/** The accelerator a push asks for: machineShape first, then the deprecated booleans. */
export function chooseAccelerator(
  req: {
    machineShape?: string | undefined;
    enableGpu?: boolean | undefined;
    enableTpu?: boolean | undefined;
  },
  existing: KernelRecord | undefined,
) {
  const enableGpu = req.enableGpu ?? existing?.enableGpu ?? false;
  const enableTpu = req.enableTpu ?? existing?.enableTpu ?? false;
  const booleansGiven = req.enableGpu !== undefined || req.enableTpu !== undefined;
  const shape = req.machineShape ?? (booleansGiven ? '' : (existing?.machineShape ?? ''));
  let accelerator: Accelerator = 'none';
  if (shape !== '') accelerator = findMachineShape(shape);
  else if (enableTpu) accelerator = 'tpu-1vm-v3-8';
  else if (enableGpu) accelerator = 'p100'; // Kaggle's default GPU
  const info = accelerators[accelerator];
  const quotaKind: QuotaKind = info.tpu ? 'tpu' : info.gpu ? 'gpu' : 'cpu';
  return {
    accelerator,
    quotaKind,
    // What the machine is, not what the booleans said: a TPU shape pushed with a stale
    // enable_gpu (the official CLI sends the metadata's as it is) is no GPU kernel.
    enableGpu: info.gpu,
    enableTpu: info.tpu,
    machineShape: info.machineShape ?? null,
    storedShape: shape === '' ? null : shape,
  };
}
