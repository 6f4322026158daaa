// Accelerator names the user types, and what they mean on each platform. The machine shapes
// are those kaggle-cli documents (docs/kernels.md, "Accelerators available as of Feb 2026");
// `access` says who may use one on Kaggle: `public` for the shapes the kernel editor offers
// everyone, `restricted` for those kaggle-cli says only some competitions' participants or
// Kaggle admins get, `admin` for NvidiaTeslaT4Highmem, an internal admin-only pool
// (kaggle-cli pull request 1198). README "Platforms" cites each.

export type AcceleratorAccess = 'public' | 'restricted' | 'admin';

export const accelerators = {
  none: { machineShape: undefined, gpu: false, tpu: false, label: 'CPU only', access: 'public' },
  p100: {
    machineShape: 'NvidiaTeslaP100',
    gpu: true,
    tpu: false,
    label: 'NVIDIA Tesla P100',
    access: 'public',
  },
  t4x2: {
    machineShape: 'NvidiaTeslaT4',
    gpu: true,
    tpu: false,
    label: 'NVIDIA Tesla T4 x2',
    access: 'public',
  },
  't4-highmem': {
    machineShape: 'NvidiaTeslaT4Highmem',
    gpu: true,
    tpu: false,
    label: 'NVIDIA Tesla T4 (high memory)',
    access: 'admin',
  },
  l4: { machineShape: 'NvidiaL4', gpu: true, tpu: false, label: 'NVIDIA L4', access: 'restricted' },
  l4x1: {
    machineShape: 'NvidiaL4X1',
    gpu: true,
    tpu: false,
    label: 'NVIDIA L4 x1',
    access: 'restricted',
  },
  a100: {
    machineShape: 'NvidiaTeslaA100',
    gpu: true,
    tpu: false,
    label: 'NVIDIA A100',
    access: 'restricted',
  },
  h100: {
    machineShape: 'NvidiaH100',
    gpu: true,
    tpu: false,
    label: 'NVIDIA H100',
    access: 'restricted',
  },
  'rtx-pro-6000': {
    machineShape: 'NvidiaRtxPro6000',
    gpu: true,
    tpu: false,
    label: 'NVIDIA RTX Pro 6000',
    access: 'restricted',
  },
  'tpu-v3-8': {
    machineShape: 'TpuV38',
    gpu: false,
    tpu: true,
    label: 'TPU v3-8',
    access: 'restricted',
  },
  'tpu-1vm-v3-8': {
    machineShape: 'Tpu1VmV38',
    gpu: false,
    tpu: true,
    label: 'TPU VM v3-8',
    access: 'restricted',
  },
  'tpu-v5e-8': {
    machineShape: 'TpuV5E8',
    gpu: false,
    tpu: true,
    label: 'TPU v5e-8',
    access: 'public',
  },
  'tpu-v6e-8': {
    machineShape: 'TpuV6E8',
    gpu: false,
    tpu: true,
    label: 'TPU v6e-8',
    access: 'restricted',
  },
} as const satisfies Record<
  string,
  {
    machineShape: string | undefined;
    gpu: boolean;
    tpu: boolean;
    label: string;
    access: AcceleratorAccess;
  }
>;

export type Accelerator = keyof typeof accelerators;

/** Aliases: `--device cpu|gpu` and `--gpu` as the host programs in the field spell them. */
const aliases: Record<string, Accelerator> = {
  cpu: 'none',
  gpu: 't4x2',
  t4: 't4x2',
  nvidiateslat4: 't4x2',
  nvidiateslap100: 'p100',
  tpu: 'tpu-v5e-8',
  tpuv38: 'tpu-v3-8',
  tpuv5e8: 'tpu-v5e-8',
  tpuv6e8: 'tpu-v6e-8',
};

/**
 * What to know before asking Kaggle for this machine, or undefined: shapes not everyone gets,
 * and the P100, which the default image's torch no longer runs on (kaggle-cli issue 1151).
 */
export function kaggleAcceleratorNote(accelerator: Accelerator): string | undefined {
  const info = accelerators[accelerator];
  if (accelerator === 'p100') {
    return 'p100: Kaggle allocates the P100, but the default image ships a torch without kernels for it (sm_60), so CUDA work fails; prefer t4x2 or l4, or pin an image or install a torch build that supports it';
  }
  if (info.access === 'admin') {
    return `${accelerator} (${info.machineShape}) is an internal, admin-only pool on Kaggle; ordinary accounts cannot use it (use t4x2)`;
  }
  if (info.access === 'restricted') {
    return `${accelerator} (${info.machineShape}) is offered on Kaggle only to some competitions' participants or to admins; elsewhere the push may be refused or get no accelerator`;
  }
  return undefined;
}

export function parseAccelerator(input: string): Accelerator | undefined {
  const key = input.trim().toLowerCase();
  if (key in accelerators) return key as Accelerator;
  return aliases[key];
}

export function acceleratorNames(): string[] {
  return Object.keys(accelerators);
}
