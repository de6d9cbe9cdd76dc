import { checkHealth, describeSafely } from '../../../../shared/health/check';

describe('checkHealth', () => {
  it('reports each dependency and is healthy only when all are reachable', async () => {
    const report = await checkHealth(
      [
        { name: 'cosmos', check: () => Promise.resolve() },
        { name: 'serviceBus', check: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5672')) },
      ],
      '1.2.3',
    );
    expect(report.status).toBe('degraded');
    expect(report.version).toBe('1.2.3');
    expect(report.dependencies.cosmos?.state).toBe('reachable');
    expect(report.dependencies.serviceBus).toMatchObject({
      state: 'unreachable',
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('bounds a hanging probe by the timeout and aborts it', async () => {
    let aborted = false;
    const report = await checkHealth(
      [
        {
          name: 'keyVault',
          check: (signal) =>
            new Promise<void>(() => {
              signal.addEventListener('abort', () => (aborted = true));
            }),
        },
      ],
      '1.0.0',
      50,
    );
    expect(report.dependencies.keyVault?.state).toBe('timeout');
    expect(aborted).toBe(true);
  });

  it('never echoes keys from error messages', () => {
    const text = describeSafely(new Error('bad Endpoint=sb://x;SharedAccessKey=abc123;EntityPath=q\nstack'));
    expect(text).not.toContain('abc123');
    expect(text).toContain('SharedAccessKey=***');
  });
});
