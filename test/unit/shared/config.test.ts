import { loadConfig } from '../../../shared/config';
import { ConfigError } from '../../../shared/errors';

const valid = {
  COSMOS_ENDPOINT: 'https://127.0.0.1:8081',
  COSMOS_KEY: 'c2VjcmV0LWNvc21vcy1rZXk=',
  KEYVAULT_URL: 'https://127.0.0.1:8443',
  ServiceBusConnection:
    'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=s3cr3t;UseDevelopmentEmulator=true',
  ArchiveStorage: 'UseDevelopmentStorage=true',
  OPERATOR_TENANT_ID: 'operators',
  OPERATOR_API_AUDIENCE: 'api://managed-desktop-security',
};

describe('loadConfig', () => {
  it('accepts a complete local configuration and fills defaults', () => {
    const config = loadConfig(valid);
    expect(config.COSMOS_DATABASE).toBe('managed-desktop');
    expect(config.GRAPH_BASE_URL).toBe('https://graph.microsoft.com');
    expect(config.ENROLLMENT_DEADLINE).toBe('P14D');
  });

  it('accepts identity-based connections instead of connection strings', () => {
    const { ServiceBusConnection: _sb, ArchiveStorage: _st, COSMOS_KEY: _k, ...rest } = valid;
    const config = loadConfig({
      ...rest,
      ServiceBusConnection__fullyQualifiedNamespace: 'mds.servicebus.windows.net',
      ArchiveStorage__blobServiceUri: 'https://mds.blob.core.windows.net',
    });
    expect(config.COSMOS_KEY).toBeUndefined();
    expect(config.ServiceBusConnection__fullyQualifiedNamespace).toBe('mds.servicebus.windows.net');
  });

  it('lists every problem by name in one error, without echoing values', () => {
    let caught: unknown;
    try {
      loadConfig({
        ...valid,
        COSMOS_ENDPOINT: 'not a url',
        KEYVAULT_URL: undefined,
        ServiceBusConnection: undefined,
        ENROLLMENT_DEADLINE: '14 days',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.problems.map((p) => p.field).sort()).toEqual(
      ['COSMOS_ENDPOINT', 'ENROLLMENT_DEADLINE', 'KEYVAULT_URL', 'ServiceBusConnection'].sort(),
    );
    expect(error.message).not.toContain('s3cr3t');
    expect(error.message).not.toContain('not a url');
    expect(error.message).toContain('KEYVAULT_URL: is required');
  });

  it('reads the allowed webhook sources as a list, and refuses names that cannot be a secret name', () => {
    expect(loadConfig(valid).WEBHOOK_SOURCES).toEqual(['autopilot']);
    expect(loadConfig({ ...valid, WEBHOOK_SOURCES: 'autopilot, partner-eu' }).WEBHOOK_SOURCES).toEqual([
      'autopilot',
      'partner-eu',
    ]);
    for (const bad of ['', ' , ', 'Autopilot', 'a/b', 'x'.repeat(41)]) {
      expect(() => loadConfig({ ...valid, WEBHOOK_SOURCES: bad })).toThrow(/WEBHOOK_SOURCES/);
    }
  });
});
