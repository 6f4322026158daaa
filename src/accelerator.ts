// Accelerator names the user types, and what they mean on each platform.

export const accelerators = {
  none: { machineShape: undefined, gpu: false, tpu: false, label: 'CPU only' },
  p100: { machineShape: 'NvidiaTeslaP100', gpu: true, tpu: false, label: 'NVIDIA Tesla P100' },
  t4x2: { machineShape: 'NvidiaTeslaT4', gpu: true, tpu: false, label: 'NVIDIA Tesla T4 x2' },
  't4-highmem': {
    machineShape: 'NvidiaTeslaT4Highmem',
    gpu: true,
    tpu: false,
    label: 'NVIDIA Tesla T4 (high memory)',
  },
  l4: { machineShape: 'NvidiaL4', gpu: true, tpu: false, label: 'NVIDIA L4' },
  a100: { machineShape: 'NvidiaTeslaA100', gpu: true, tpu: false, label: 'NVIDIA A100' },
  h100: { machineShape: 'NvidiaH100', gpu: true, tpu: false, label: 'NVIDIA H100' },
  'tpu-v3-8': { machineShape: 'TpuV38', gpu: false, tpu: true, label: 'TPU v3-8' },
  'tpu-1vm-v3-8': { machineShape: 'Tpu1VmV38', gpu: false, tpu: true, label: 'TPU VM v3-8' },
  'tpu-v5e-8': { machineShape: 'TpuV5E8', gpu: false, tpu: true, label: 'TPU v5e-8' },
  'tpu-v6e-8': { machineShape: 'TpuV6E8', gpu: false, tpu: true, label: 'TPU v6e-8' },
} as const;

export type Accelerator = keyof typeof accelerators;

/** Aliases: `--device cpu|gpu` and `--gpu` as the host programs in the field spell them. */
const aliases: Record<string, Accelerator> = {
  cpu: 'none',
  gpu: 't4x2',
  t4: 't4x2',
  nvidiateslat4: 't4x2',
  nvidiateslap100: 'p100',
  tpu: 'tpu-v3-8',
  tpuv38: 'tpu-v3-8',
};

export function parseAccelerator(input: string): Accelerator | undefined {
  const key = input.trim().toLowerCase();
  if (key in accelerators) return key as Accelerator;
  return aliases[key];
}

export function acceleratorNames(): string[] {
  return Object.keys(accelerators);
}
