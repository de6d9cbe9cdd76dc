import { HttpRequest, InvocationContext } from '@azure/functions';
import { healthHandler, healthReportTtlMs } from '../../../../shared/health/handler';

describe('healthHandler', () => {
  it('probes the dependencies once per few seconds however often it is called', async () => {
    let probes = 0;
    let now = 0;
    const handler = healthHandler(
      {
        version: '1.0.0',
        probes: () => [{ name: 'cosmos', check: () => Promise.resolve(void probes++) }],
      },
      () => now,
    );
    const call = () =>
      handler(
        new HttpRequest({ url: 'http://localhost/api/health', method: 'GET' }),
        new InvocationContext({ functionName: 'health' }),
      );
    const answers = await Promise.all(Array.from({ length: 50 }, () => Promise.resolve(call())));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(probes).toBe(1);
    now += healthReportTtlMs - 1;
    await call();
    expect(probes).toBe(1);
    now += 2;
    await call();
    expect(probes).toBe(2);
  });
});
