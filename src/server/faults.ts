// Fault injection, so that clients' reliability is tested, not hoped for. Draws come from a
// seeded PRNG in request order, so the same seed and the same requests give the same faults.

import { UsageError } from '../errors.js';

export const faultKinds = [
  '429',
  '500',
  '503',
  'drop',
  'slow',
  'truncate',
  'queue',
  'status404',
] as const;
export type FaultKind = (typeof faultKinds)[number];

/** What each kind does:
 * - `429`: answers 429 with `Retry-After: 1` before handling the request.
 * - `500`, `503`: answers that status before handling the request (so it had no effect).
 * - `drop`: destroys the socket without answering, before handling the request.
 * - `slow`: delays the response by `slowMs`, then handles it normally.
 * - `truncate` (file downloads): sends the full Content-Length but only half of the bytes.
 * - `queue` (SaveKernel): the pushed version stays QUEUED `queueDelayMs` longer.
 * - `status404` (SaveKernel): the next `status404Count` GetKernelSessionStatus calls for that
 *   kernel answer 404, as Kaggle's "phantom 404" right after a push.
 */
export interface FaultSettings {
  /** Either one rate for any eligible kind (drawn uniformly), or a rate per kind. */
  rates: { any: number } | Partial<Record<FaultKind, number>>;
  slowMs: number;
  queueDelayMs: number;
  status404Count: number;
}

export const defaultFaultSettings: FaultSettings = {
  rates: {},
  slowMs: 300,
  queueDelayMs: 2000,
  status404Count: 2,
};

/** Kinds that make sense for each kind of request. */
export const eligibleKinds = {
  rpc: ['429', '500', '503', 'drop', 'slow'],
  push: ['429', '500', '503', 'drop', 'slow', 'queue', 'status404'],
  file: ['429', '500', '503', 'drop', 'slow', 'truncate'],
  logs: ['429', '500', '503', 'drop', 'slow'],
} as const satisfies Record<string, readonly FaultKind[]>;
export type RequestClass = keyof typeof eligibleKinds;

function checkRate(rate: number, where: string): number {
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new UsageError(`invalid fault rate ${where}: use a number from 0 to 1`);
  }
  return rate;
}

/** Parses `--faults SPEC`: a bare rate (`0.2`) or `kind=rate` pairs (`429=0.1,drop=0.05`). */
export function parseFaultSpec(spec: string): FaultSettings['rates'] {
  const text = spec.trim();
  if (text === '') return {};
  if (/^[0-9.]+$/.test(text)) return { any: checkRate(Number(text), `"${text}"`) };
  const rates: Partial<Record<FaultKind, number>> = {};
  for (const part of text.split(',')) {
    const [kind = '', rate = ''] = part.split('=', 2).map((s) => s.trim());
    if (!(faultKinds as readonly string[]).includes(kind)) {
      throw new UsageError(`unknown fault kind "${kind}" in --faults ${spec}`, {
        hint: `Kinds: ${faultKinds.join(', ')}; e.g. --faults 429=0.1,drop=0.05 or --faults 0.2`,
      });
    }
    if (rate === '') throw new UsageError(`fault kind "${kind}" has no rate in --faults ${spec}`);
    rates[kind as FaultKind] = checkRate(Number(rate), `for ${kind}`);
  }
  return rates;
}

/** mulberry32: tiny, fast and good enough to spread faults; fully determined by the seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private settings: FaultSettings = defaultFaultSettings;
  private random: () => number = prng(0);
  private seedValue = 0;

  constructor(faults?: string | Partial<FaultSettings>, seed?: number) {
    this.configure(faults, seed);
  }

  /** Replaces the fault settings and restarts the PRNG (a random seed when none is given). */
  configure(faults?: string | Partial<FaultSettings>, seed?: number): void {
    const partial = typeof faults === 'string' ? { rates: parseFaultSpec(faults) } : (faults ?? {});
    this.settings = { ...defaultFaultSettings, ...partial };
    this.seedValue = seed ?? Math.floor(Math.random() * 2 ** 31);
    this.random = prng(this.seedValue);
  }

  get seed(): number {
    return this.seedValue;
  }

  get current(): Readonly<FaultSettings> {
    return this.settings;
  }

  /** Draws the fault for one request of the given class, or undefined for none. */
  draw(requestClass: RequestClass): FaultKind | undefined {
    const eligible: readonly FaultKind[] = eligibleKinds[requestClass];
    const rates = this.settings.rates;
    if ('any' in rates) {
      if (rates.any <= 0) return undefined;
      // Two draws per request whatever the outcome, so later requests see the same stream.
      const hit = this.random() < rates.any;
      const pick = eligible[Math.floor(this.random() * eligible.length)];
      return hit ? pick : undefined;
    }
    for (const kind of eligible) {
      const rate = rates[kind] ?? 0;
      if (rate > 0 && this.random() < rate) return kind;
    }
    return undefined;
  }
}
