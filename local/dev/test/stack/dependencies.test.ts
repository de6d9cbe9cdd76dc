import { get } from 'node:https';
import { ClientSecretCredential } from '@azure/identity';
import { localWebhookSources } from '../../stack';
import { type TenantRecord, tenantRecordSchema } from '../../../../shared/domain/tenant';
import { checkHealth } from '../../../../shared/health/check';
import { secretNames } from '../../../../shared/platform/secret-names';
import { composition, resetComposition } from '../../../../shared/composition';
import { cosmosContainers } from '../../../../shared/platform/declarations';
import { stackCaPem, stackConfig, stackSettings } from '../../../../test/support/stack';

afterAll(async () => {
  await resetComposition();
});

describe('the global local stack', () => {
  it('exports settings that pass the app’s own validation and point only at loopback', () => {
    const config = stackConfig();
    const urls = [
      config.COSMOS_ENDPOINT,
      config.KEYVAULT_URL,
      config.ENTRA_AUTHORITY_HOST,
      config.GRAPH_BASE_URL,
      config.DEFENDER_BASE_URL,
      stackSettings().IDENTITY_ENDPOINT ?? '',
    ];
    expect(urls.map((u) => new URL(u).hostname)).toEqual(urls.map(() => '127.0.0.1'));
    expect(config.ServiceBusConnection).toContain('sb://127.0.0.1:');
    expect(config.ArchiveStorage).toContain('BlobEndpoint=http://127.0.0.1:');
  });

  it('reports every dependency reachable through the app’s composition root', async () => {
    const app = composition();
    const report = await checkHealth(app.platform.probes(), app.version);
    expect(report.dependencies).toEqual({
      cosmos: expect.objectContaining({ state: 'reachable' }),
      blobStorage: expect.objectContaining({ state: 'reachable' }),
      keyVault: expect.objectContaining({ state: 'reachable' }),
      serviceBus: expect.objectContaining({ state: 'reachable' }),
    });
    expect(report.status).toBe('healthy');
  });

  it('has created the database and every declared container', async () => {
    const { database } = composition().platform.cosmos;
    const { resources } = await database.containers.readAll().fetchAll();
    const byId = new Map(resources.map((c) => [c.id, c.partitionKey?.paths]));
    for (const declared of Object.values(cosmosContainers)) {
      expect(byId.get(declared.id)).toEqual([declared.partitionKeyPath]);
    }
  });
});

describe('what the global stack provisioned', () => {
  it('registers the simulator’s demo tenants in Cosmos with secret names only, and their credentials work', async () => {
    const app = composition();
    const { resources } = await app.platform.cosmos.database
      .container(cosmosContainers.tenants.id)
      .items.readAll<TenantRecord>()
      .fetchAll();
    // Other test files register tenants of their own simulators in the same container: look at the global ones.
    const simulated = await simulatorTenantIds();
    const tenants = resources.map((r) => tenantRecordSchema.parse(r)).filter((t) => simulated.has(t.id));
    expect(tenants.map((t) => t.displayName).sort()).toEqual(['Contoso', 'Fabrikam']);
    expect(tenants.every((t) => t.status === 'active')).toBe(true);
    expect(tenants[0]?.updateRings).toEqual({ test: 5, first: 15, fast: 30, broad: 50 });

    const contoso = tenants.find((t) => t.displayName === 'Contoso')!;
    const [clientId, clientSecret] = await Promise.all([
      app.platform.secrets.getSecret(contoso.secretNames.graphClientId),
      app.platform.secrets.getSecret(contoso.secretNames.graphClientSecret),
    ]);
    expect(JSON.stringify(resources)).not.toContain(clientSecret.value);

    const credential = new ClientSecretCredential(contoso.id, clientId.value!, clientSecret.value!, {
      authorityHost: app.config.ENTRA_AUTHORITY_HOST,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: stackCaPem() },
    });
    const token = await credential.getToken('https://graph.microsoft.com/.default');
    expect(token.token.split('.')).toHaveLength(3);
  });

  it('holds a signing secret for each local Autopilot webhook source', async () => {
    const { secrets } = composition().platform;
    for (const source of localWebhookSources) {
      const secret = await secrets.getSecret(secretNames.autopilotWebhookSecret(source));
      expect(secret.value?.length).toBeGreaterThanOrEqual(32);
    }
  });
});

async function simulatorTenantIds(): Promise<Set<string>> {
  const url = new URL('/_sim/tenants', stackSettings().ENTRA_AUTHORITY_HOST);
  const body = await new Promise<string>((resolve, reject) => {
    get(url, { ca: stackCaPem() }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => resolve(text));
      res.on('error', reject);
    }).on('error', reject);
  });
  const parsed = JSON.parse(body) as { id: string }[] | { value: { id: string }[] };
  return new Set((Array.isArray(parsed) ? parsed : parsed.value).map((t) => t.id));
}
