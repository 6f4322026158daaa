// Counters behind `GET /_stats`, so tests and benchmarks can see what the server went through
// (how many pushes, which faults) without parsing its logs. The server's own handle sees every
// figure (stats()); over HTTP an account sees only its own: its requests, faults, pushes,
// bytes and sessions (snapshotFor), never another account's.

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

/** The figures counted once for the whole server and once per account. */
class Counters {
  readonly requests = new Map<string, number>();
  readonly faults = new Map<string, number>();
  readonly faultLog: InjectedFault[] = [];
  total = 0;
  bytesServed = 0;
  bytesUploaded = 0;
}

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

export class ServerStats {
  private readonly all = new Counters();
  private readonly accounts = new Map<string, Counters>();
  private readonly pushes = new Map<string, number>();
  /** Which account each request index belongs to, for faults counted after the request. */
  private readonly requestUsers = new Map<number, string>();

  private of(user: string | undefined): Counters[] {
    if (user === undefined) return [this.all];
    let counters = this.accounts.get(user);
    if (counters === undefined) {
      counters = new Counters();
      this.accounts.set(user, counters);
    }
    return [this.all, counters];
  }

  /**
   * Counts a request (of `user`, when its credentials name one) and returns its index, used
   * to tag faults.
   */
  countRequest(route: string, user?: string): number {
    for (const c of this.of(user)) {
      bump(c.requests, route);
      c.total++;
    }
    const index = this.all.total;
    if (user !== undefined) {
      this.requestUsers.set(index, user);
      if (this.requestUsers.size > FAULT_LOG_LIMIT) {
        this.requestUsers.delete(this.requestUsers.keys().next().value ?? index);
      }
    }
    return index;
  }

  countPush(ref: string): void {
    bump(this.pushes, ref);
  }

  countFault(request: number, route: string, kind: FaultKind): void {
    for (const c of this.of(this.requestUsers.get(request))) {
      bump(c.faults, kind);
      c.faultLog.push({ request, route, kind });
      if (c.faultLog.length > FAULT_LOG_LIMIT) c.faultLog.shift();
    }
  }

  /** File bytes sent from what `owner` owns (undefined: a competition, nobody's). */
  countServed(owner: string | undefined, bytes: number): void {
    for (const c of this.of(owner)) c.bytesServed += bytes;
  }

  /** Blob bytes `owner` uploaded. */
  countUploaded(owner: string, bytes: number): void {
    for (const c of this.of(owner)) c.bytesUploaded += bytes;
  }

  /** Every figure of the server (its own handle, tests, benchmarks). */
  snapshot(extra: {
    faultSeed: number;
    sessionsRunning: number;
    sessionsQueued: number;
  }): StatsSnapshot {
    return this.view(this.all, Object.fromEntries(this.pushes), extra);
  }

  /** `user`'s own figures: what `GET /_stats` answers that account. */
  snapshotFor(
    user: string,
    extra: { faultSeed: number; sessionsRunning: number; sessionsQueued: number },
  ): StatsSnapshot {
    const pushes = [...this.pushes].filter(([ref]) => ref.startsWith(`${user}/`));
    return this.view(this.accounts.get(user) ?? new Counters(), Object.fromEntries(pushes), extra);
  }

  private view(
    c: Counters,
    pushes: Record<string, number>,
    extra: { faultSeed: number; sessionsRunning: number; sessionsQueued: number },
  ): StatsSnapshot {
    return {
      requests: Object.fromEntries(c.requests),
      requestsTotal: c.total,
      pushes,
      faults: Object.fromEntries(c.faults),
      faultLog: [...c.faultLog],
      faultSeed: extra.faultSeed,
      bytesServed: c.bytesServed,
      bytesUploaded: c.bytesUploaded,
      sessionsRunning: extra.sessionsRunning,
      sessionsQueued: extra.sessionsQueued,
    };
  }
}
