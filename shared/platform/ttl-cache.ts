/**
 * Values kept for `ttlMs` after they were loaded, at most `maxEntries` of them (the oldest go first), so a flood of
 * distinct keys cannot grow memory. Concurrent misses of one key share one load.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: Promise<V>; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: K, load: (key: K) => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > this.now()) return cached.value;
    this.entries.delete(key);
    const value = load(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    try {
      return await value;
    } catch (error) {
      // A failed load is not remembered: the next caller tries again.
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
      throw error;
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
