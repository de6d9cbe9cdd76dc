import { DependencyUnavailableError } from '../../../../../shared/errors';
import { webhookSecretReader } from '../../../../../shared/onboarding/webhook/secrets';

describe('webhookSecretReader', () => {
  it('reads each source once per five minutes, unknown sources included', async () => {
    const reads: string[] = [];
    let now = 0;
    const read = webhookSecretReader(
      {
        getSecret: (name) => {
          reads.push(name);
          if (name.endsWith('nobody'))
            return Promise.reject(Object.assign(new Error('SecretNotFound'), { statusCode: 404 }));
          return Promise.resolve({ value: `value-of-${name}` });
        },
      },
      ['autopilot', 'nobody'],
      () => now,
    );
    expect(await read('autopilot')).toBe('value-of-autopilot-webhook-secret-autopilot');
    expect(await read('autopilot')).toBe('value-of-autopilot-webhook-secret-autopilot');
    expect(await read('nobody')).toBeUndefined();
    expect(await read('nobody')).toBeUndefined();
    expect(reads).toEqual(['autopilot-webhook-secret-autopilot', 'autopilot-webhook-secret-nobody']);
    now = 5 * 60_000 + 1;
    await read('autopilot');
    expect(reads).toHaveLength(3);
  });

  it('does not cache a Key Vault failure as an unknown source', async () => {
    let fail = true;
    const read = webhookSecretReader(
      {
        getSecret: () =>
          fail
            ? Promise.reject(Object.assign(new Error('unavailable'), { statusCode: 503 }))
            : Promise.resolve({ value: 'k' }),
      },
      ['autopilot'],
    );
    await expect(read('autopilot')).rejects.toThrow('unavailable');
    fail = false;
    expect(await read('autopilot')).toBe('k');
  });

  it('reads only the sources named in settings, so a flood of invented sources costs Key Vault nothing', async () => {
    const reads: string[] = [];
    const read = webhookSecretReader(
      {
        getSecret: (name) => {
          reads.push(name);
          return Promise.resolve({ value: 'k' });
        },
      },
      ['autopilot'],
    );
    for (let i = 0; i < 100; i++) expect(await read(`forged-${i}`)).toBeUndefined();
    expect(await read('autopilot')).toBe('k');
    expect(reads).toEqual(['autopilot-webhook-secret-autopilot']);
  });

  it('answers a Key Vault failure as a dependency outage (503 with Retry-After), not a 500', async () => {
    const read = webhookSecretReader(
      { getSecret: () => Promise.reject(Object.assign(new Error('Forbidden'), { statusCode: 403 })) },
      ['autopilot'],
    );
    await expect(read('autopilot')).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(read('autopilot')).rejects.toMatchObject({ status: 503, retryable: true });
  });
});
