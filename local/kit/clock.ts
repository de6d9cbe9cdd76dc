/**
 * The time source shared by the local host (durable timers, timer triggers) and the tenant simulator
 * (device lifecycle). `npm start` uses wall time; tests use a virtual clock so that a three-day wait
 * passes in milliseconds and a test can step time forward.
 */
export interface Clock {
  now(): number;
  /** Calls `callback` once the clock reaches `at` (epoch ms). Returns a function that cancels it. */
  schedule(at: number, callback: () => void): () => void;
}

export class WallClock implements Clock {
  now(): number {
    return Date.now();
  }

  schedule(at: number, callback: () => void): () => void {
    // setTimeout holds at most ~24.8 days; longer waits re-arm themselves.
    const maxDelay = 2 ** 31 - 1;
    let handle: NodeJS.Timeout;
    const arm = (): void => {
      const delay = at - Date.now();
      if (delay <= 0) {
        callback();
        return;
      }
      handle = setTimeout(arm, Math.min(delay, maxDelay));
      handle.unref();
    };
    handle = setTimeout(arm, 0);
    handle.unref();
    return () => clearTimeout(handle);
  }
}

interface Scheduled {
  at: number;
  seq: number;
  callback: () => void;
}

/** Time moves only when told to; callbacks due in the skipped span run in time order. */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private pending: Scheduled[] = [];

  constructor(start: number | Date = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  schedule(at: number, callback: () => void): () => void {
    const entry: Scheduled = { at, seq: this.seq++, callback };
    this.pending.push(entry);
    this.pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
    if (at <= this.current) queueMicrotask(() => this.fireDue());
    return () => {
      this.pending = this.pending.filter((p) => p !== entry);
    };
  }

  /** The time of the earliest scheduled callback, if any. */
  nextDue(): number | undefined {
    return this.pending[0]?.at;
  }

  /** Moves time forward by `ms`, firing every callback due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  async advanceTo(target: number): Promise<void> {
    for (;;) {
      const next = this.pending[0];
      if (!next || next.at > target) break;
      this.current = Math.max(this.current, next.at);
      this.fireDue();
      // Let the work a callback started take its next steps before time moves again.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.current = Math.max(this.current, target);
  }

  private fireDue(): void {
    while (this.pending[0] && this.pending[0].at <= this.current) {
      const entry = this.pending.shift();
      entry?.callback();
    }
  }
}
