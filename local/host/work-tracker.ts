/**
 * Counts the host's work in flight (invocations, orchestration episodes, queued activities) so that tests
 * and the virtual-clock driver know when the host is idle, and wakes waiters whenever something changes.
 */
export class WorkTracker {
  private active = 0;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly onUnhandledError: (error: unknown) => void) {}

  get idle(): boolean {
    return this.active === 0;
  }

  /** Runs `work` as tracked work; the count rises before this returns. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.active += 1;
    try {
      return await work();
    } finally {
      this.active -= 1;
      this.changed();
    }
  }

  /** Starts tracked work nobody awaits; its failure goes to the error handler instead of being lost. */
  spawn(work: () => Promise<unknown>): void {
    this.run(work).catch(this.onUnhandledError);
  }

  /** Wakes everything waiting in `nextChange` (instance status changes use this too). */
  changed(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    waiting.forEach((wake) => wake());
  }

  /** Resolves true on the next change, false when `timeoutMs` of real time pass first. */
  nextChange(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(
        () => {
          this.waiters.delete(wake);
          resolve(false);
        },
        Math.max(0, timeoutMs),
      );
      this.waiters.add(wake);
    });
  }

  async waitForIdle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.idle) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || !(await this.nextChange(remaining))) {
        throw new HostTimeoutError(
          `The host was still busy after ${timeoutMs} ms (${this.active} pieces of work).`,
        );
      }
    }
  }
}

export class HostTimeoutError extends Error {
  override readonly name = 'HostTimeoutError';
}
