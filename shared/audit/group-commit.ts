/**
 * Appends to one chain are serialised in this process and committed in groups: while one commit of a chain is in
 * flight, the appends that arrive queue up and go together in the next, so a chain's head is read and written once
 * per group rather than once per event, and writers in this process never race each other for it (other processes
 * still do: the sinks' conditional writes settle that).
 */
/**
 * What a commit hands back: the results, once the group's place in the chain is taken, and when the group is durable
 * (its callers are answered then). The next group may start as soon as the first is known.
 */
export interface Committed<R> {
  results: R[];
  durable?: Promise<void>;
}

export class GroupCommit<T, R> {
  private readonly chains = new Map<
    string,
    { queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[]; running: boolean }
  >();

  constructor(
    private readonly commit: (chain: string, items: T[]) => Promise<R[] | Committed<R>>,
    private readonly maxGroup = 64,
  ) {}

  submit(chain: string, item: T): Promise<R> {
    let state = this.chains.get(chain);
    if (!state) this.chains.set(chain, (state = { queue: [], running: false }));
    const result = new Promise<R>((resolve, reject) => state.queue.push({ item, resolve, reject }));
    if (!state.running) void this.drain(chain, state);
    return result;
  }

  private async drain(
    chain: string,
    state: { queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[]; running: boolean },
  ): Promise<void> {
    state.running = true;
    try {
      while (state.queue.length > 0) {
        const group = state.queue.splice(0, this.maxGroup);
        try {
          const committed = await this.commit(
            chain,
            group.map((g) => g.item),
          );
          const { results, durable } = Array.isArray(committed)
            ? { results: committed, durable: undefined }
            : committed;
          const answer = () => group.forEach((g, i) => g.resolve(results[i] as R));
          if (durable)
            durable.then(answer, (error: unknown) => {
              for (const g of group) g.reject(error);
            });
          else answer();
        } catch (error) {
          for (const g of group) g.reject(error);
        }
      }
    } finally {
      state.running = false;
      if (state.queue.length === 0) this.chains.delete(chain);
    }
  }
}

/** A short random pause that grows with the attempt, so writers that collided do not collide again in step. */
export function contentionPause(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6));
  return new Promise((resolve) => setTimeout(resolve, ms));
}
