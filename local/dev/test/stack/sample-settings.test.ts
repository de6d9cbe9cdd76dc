import { readFileSync } from 'node:fs';
import path from 'node:path';
import { portsFromSettings } from '../../stack';
import { loadConfig } from '../../../../shared/config';

const sample = JSON.parse(
  readFileSync(path.join(__dirname, '../../../../local.settings.sample.json'), 'utf8'),
) as { IsEncrypted: boolean; Values: Record<string, string>; Host: { LocalHttpPort: number } };

describe('local.settings.sample.json (what npm start reads on a fresh clone)', () => {
  it('passes the app’s settings validation as it stands', () => {
    expect(sample.IsEncrypted).toBe(false);
    expect(() => loadConfig(sample.Values)).not.toThrow();
    expect(sample.Host.LocalHttpPort).toBe(7071);
  });

  it('names the port of every stand-in, and development storage means Azurite’s default ports', () => {
    expect(portsFromSettings(sample.Values)).toEqual({
      cosmos: 8081,
      keyVault: 8443,
      serviceBus: 5672,
      tenantSim: 8444,
      blob: 10000,
      queue: 10001,
      table: 10002,
    });
  });

  it('reads explicit storage endpoints from a connection string', () => {
    const ports = portsFromSettings({
      ...sample.Values,
      ArchiveStorage:
        'DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k;BlobEndpoint=http://127.0.0.1:20000/a;QueueEndpoint=http://127.0.0.1:20001/a;TableEndpoint=http://127.0.0.1:20002/a',
    });
    expect([ports.blob, ports.queue, ports.table]).toEqual([20000, 20001, 20002]);
  });

  it('refuses a stand-in URL without an explicit port, naming the setting but not its value', () => {
    expect(() => portsFromSettings({ ...sample.Values, KEYVAULT_URL: 'https://127.0.0.1' })).toThrow(
      'KEYVAULT_URL names no port; the local stack needs an explicit one',
    );
  });
});
