import pLimit from 'p-limit';

/**
 * The app and the local host bound concurrency with p-limit (per tenant and service in the Graph client, per host for
 * activities); this pins the behaviour they rely on, so an upgrade that changes it fails here.
 */
describe('p-limit as our concurrency limiter', () => {
  it('never runs more than its limit at once and runs everything', async () => {
    const limit = pLimit(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 2));
          running--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(limit.activeCount).toBe(0);
  });

  it('frees the slot when work fails', async () => {
    const limit = pLimit(1);
    await expect(limit(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});
