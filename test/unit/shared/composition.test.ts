import { composition, resetComposition } from '../../../shared/composition';
import { ConfigError } from '../../../shared/errors';

const settings = {
  COSMOS_ENDPOINT: 'https://127.0.0.1:1',
  COSMOS_KEY: 'bG9jYWw=',
  KEYVAULT_URL: 'https://127.0.0.1:2',
  ServiceBusConnection:
    'Endpoint=sb://127.0.0.1:3;SharedAccessKeyName=k;SharedAccessKey=s;UseDevelopmentEmulator=true',
  ArchiveStorage: 'UseDevelopmentStorage=true',
  OPERATOR_TENANT_ID: 'operators',
  OPERATOR_API_AUDIENCE: 'api://mds',
  APP_VERSION: '9.9.9',
  // Reading this file fails: any client built would throw, so the test sees exactly when clients get built.
  TRUSTED_CA_CERT_PATH: '/nonexistent/ca.pem',
};

describe('composition()', () => {
  const saved = { ...process.env };

  afterEach(async () => {
    await resetComposition();
    process.env = { ...saved };
  });

  it('validates settings on first use and names what is missing', () => {
    process.env = { ...saved, ...settings, KEYVAULT_URL: undefined };
    expect(() => composition()).toThrow(ConfigError);
    expect(() => composition()).toThrow(/KEYVAULT_URL/);
  });

  it('builds no client until one is used, and returns the same instance after', () => {
    process.env = { ...saved, ...settings };
    const app = composition();
    expect(app.version).toBe('9.9.9');
    expect(app.config.COSMOS_DATABASE).toBe('managed-desktop');
    expect(() => app.platform.cosmos).toThrow(/ENOENT/);
    expect(composition()).toBe(app);
  });

  it('forgets the singleton on reset, so new settings take effect', async () => {
    process.env = { ...saved, ...settings };
    const first = composition();
    await resetComposition();
    process.env = { ...saved, ...settings, APP_VERSION: '10.0.0' };
    const second = composition();
    expect(second).not.toBe(first);
    expect(second.version).toBe('10.0.0');
  });

  it('builds each client on its own: Service Bus needs neither the CA file nor a connection yet', async () => {
    process.env = { ...saved, ...settings };
    const { serviceBus } = composition().platform;
    expect(serviceBus.fullyQualifiedNamespace).toBe('127.0.0.1');
    await resetComposition();
  });
});
