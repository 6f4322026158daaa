// Counters behind `GET /_stats`, so tests and benchmarks can see what the server went through
// (how many pushes, which faults) without parsing its logs.

import type { FaultKind } from './faults.js';

export interface InjectedFault {
  /** 1-based index of the request among all counted requests. */
  request: number;
  route: string;
  kind: FaultKind;
}

export interface StatsSnapshot {
  /** Requests per route: `kernels.KernelsApiService/SaveKernel`, `GET /files`, `GET /logs/stream`. */
  requests: Record<string, number>;
  requestsTotal: number;
  /** Successful pushes per kernel, `owner/slug` -> count. */
  pushes: Record<string, number>;
  /** Faults injected per kind. */
  faults: Record<string, number>;
  /** The last 1000 injected faults in order, to check that a seed repeats them. */
  faultLog: InjectedFault[];
  faultSeed: number;
  /** Bytes of output files sent. */
  bytesServed: number;
  /** Bytes of blob uploads received (resends included). */
  bytesUploaded: number;
  sessionsRunning: number;
  sessionsQueued: number;
}

const FAULT_LOG_LIMIT = 1000;

export class ServerStats {
  private readonly requests = new Map<string, number>();
  private readonly pushes = new Map<string, number>();
  private readonly faults = new Map<string, number>();
  private readonly faultLog: InjectedFault[] = [];
  private total = 0;
  bytesServed = 0;
  bytesUploaded = 0;

  /** Counts a request and returns its index, used to tag faults. */
  countRequest(route: string): number {
    this.requests.set(route, (this.requests.get(route) ?? 0) + 1);
    return ++this.total;
  }

  countPush(ref: string): void {
    this.pushes.set(ref, (this.pushes.get(ref) ?? 0) + 1);
  }

  countFault(request: number, route: string, kind: FaultKind): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
    this.faultLog.push({ request, route, kind });
    if (this.faultLog.length > FAULT_LOG_LIMIT) this.faultLog.shift();
  }

  snapshot(extra: {
    faultSeed: number;
    sessionsRunning: number;
    sessionsQueued: number;
  }): StatsSnapshot {
    return {
      requests: Object.fromEntries(this.requests),
      requestsTotal: this.total,
      pushes: Object.fromEntries(this.pushes),
      faults: Object.fromEntries(this.faults),
      faultLog: [...this.faultLog],
      faultSeed: extra.faultSeed,
      bytesServed: this.bytesServed,
      bytesUploaded: this.bytesUploaded,
      sessionsRunning: extra.sessionsRunning,
      sessionsQueued: extra.sessionsQueued,
    };
  }
}
