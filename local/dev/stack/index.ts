import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { localCertificate, type Clock } from '@mds/platform-kit';
import { KEY_VAULT_RESOURCE, seedSecrets, startKeyVault, staticTokenCredential } from '@mds/keyvault-standin';
import { startServiceBus } from '@mds/servicebus-broker';
import {
  type TenantSimHandle,
  operatorConsoleClientId,
  startTenantSimulator,
  SimWorld,
  seedDemoTenants,
} from '@mds/tenant-sim';
import { startAzurite } from '../azurite';
import { startCosmos } from '../cosmos';
import { messagingEntities } from '../../../shared/platform/declarations';
import { secretNames } from '../../../shared/platform/secret-names';
import { type CustomerAuditStorage, provisionCustomerAuditSink } from './customer-audit';
import { Lifecycle, allSettledOrThrow } from './lifecycle';
import { startManagedIdentityEndpoint } from './managed-identity';
import { type LocalOperator, localOperators, operatorDirectory, seedOperators } from './operators';
import { seedServiceAccounts } from './service-accounts';
import { type StackPorts, ephemeralPorts } from './ports';
import {
  type SeededTenant,
  provisionBlobContainers,
  provisionCosmos,
  registerSeededTenants,
} from './provision';

export { type StackPorts, ephemeralPorts, portsFromSettings } from './ports';
export {
  type LocalOperator,
  localOperatorPassword,
  localOperators,
  operatorDirectory,
  operatorRecordOf,
  tokenRequest,
} from './operators';
export { StackPortsInUseError } from './lifecycle';
export { provisionCosmos } from './provision';
export {
  type CustomerAuditStorage,
  customerAuditAdmin,
  provisionCustomerAuditSink,
  type ProvisionedAuditSink,
} from './customer-audit';

export interface StackOptions {
  clock: Clock;
  /** Default 'ephemeral' (tests); `npm start` passes the ports its settings name. */
  ports?: 'ephemeral' | StackPorts;
  /** Default true: Entra ID, Graph and Defender with the demo tenants, registered in Cosmos and Key Vault. */
  withTenantSimulator?: boolean;
  /** Where the stack's certificate lives. Default `.local/certs` under the working directory. */
  certDir?: string;
  databaseId?: string;
  /** The provider's own tenant and the operator API's audience; default `localOperator`. */
  operator?: { tenantId?: string | undefined; audience?: string | undefined };
}

export interface RunningStack {
  /** The environment the app reads (shared/config.ts), plus the platform's managed-identity variables. */
  settings: Record<string, string>;
  /** The simulator, for code in this process that scripts tenants (its control API serves the rest). */
  tenantSimulator: TenantSimHandle | undefined;
  /** The second storage account, the customers' own, which holds each tenant's side of the audit trail. */
  customerAuditStorage: CustomerAuditStorage;
  /** The operators registered in the operator registry (their tokens come from the simulator's control API). */
  operators: LocalOperator[];
  /** When each part was ready, in ms from the start, and the total. */
  timings: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * The provider's tenant (where operators sign in and the app's identity lives) and the operator API's audience,
 * matching local.settings.sample.json. The tenant simulator issues operator tokens for any tenant id it is given.
 */
export const localOperator = {
  tenantId: '0f0e0d0c-0b0a-4000-8000-000000000001',
  audience: 'api://managed-desktop-security',
} as const;

/** The region the local stores stand in for; the Cosmos stand-in's account answers it too. */
export const localRegion = 'East US';

/** The Autopilot webhook sources the local stack provisions a signing secret for. */
export const localWebhookSources = ['autopilot'] as const;

/**
 * Starts every stand-in on loopback, each part as soon as what it needs is there, then provisions what the app
 * expects to exist (database, containers, tenants, secrets) and returns the settings that point the app at it all.
 * Secrets are generated per start or taken from the simulator, held in memory and Key Vault only, never logged.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const ports = options.ports === undefined || options.ports === 'ephemeral' ? ephemeralPorts : options.ports;
  const databaseId = options.databaseId ?? 'managed-desktop';
  const operatorTenantId = options.operator?.tenantId ?? localOperator.tenantId;
  const life = new Lifecycle();

  const cert = life.step('certificate', () => localCertificate(options.certDir));
  const identity = life.start('managedIdentity', () => startManagedIdentityEndpoint([KEY_VAULT_RESOURCE]));
  const customerAccount = { name: 'customeraudit', key: randomBytes(32).toString('base64') };
  const azurite = life.start('azurite', () =>
    startAzurite({
      ports: { blob: ports.blob, queue: ports.queue, table: ports.table },
      extraAccounts: [customerAccount],
    }),
  );
  const serviceBus = life.start('serviceBus', () =>
    startServiceBus({ port: ports.serviceBus, entities: messagingEntities, clock: options.clock }),
  );
  const cosmos = cert.then((c) =>
    life.start('cosmos', () => startCosmos({ port: ports.cosmos, cert: c, region: localRegion })),
  );
  const keyVault = Promise.all([cert, identity]).then(([c, id]) =>
    life.start('keyVault', () =>
      startKeyVault({
        port: ports.keyVault,
        cert: c,
        clock: options.clock,
        // The vault lives in the provider's tenant; its auth challenge names that tenant, as in Azure.
        tenantId: operatorTenantId,
        auth: { staticTokens: [id.tokenFor(KEY_VAULT_RESOURCE)] },
      }),
    ),
  );
  const simulator =
    options.withTenantSimulator === false
      ? Promise.resolve(undefined)
      : cert.then((c) =>
          life.start('tenantSimulator', () => {
            const world = new SimWorld(options.clock);
            seedDemoTenants(world);
            return startTenantSimulator({ port: ports.tenantSim, cert: c, clock: options.clock, world });
          }),
        );

  const cosmosProvisioned = Promise.all([cosmos, cert]).then(([db, c]) =>
    life.step('cosmosProvisioned', () =>
      provisionCosmos({ endpoint: db.endpoint, key: db.key, ca: c.cert }, databaseId),
    ),
  );
  const blobsProvisioned = azurite.then((storage) =>
    life.step('blobsProvisioned', () => provisionBlobContainers(storage.connectionString)),
  );
  const secretsSeeded = Promise.all([keyVault, identity, cert]).then(([vault, id, c]) =>
    life.step('secretsSeeded', () =>
      seedSecrets(vault.url, staticTokenCredential(id.tokenFor(KEY_VAULT_RESOURCE)), c.cert, {
        ...webhookSecrets(),
        ...auditKeys(),
      }),
    ),
  );

  try {
    // Waits for every part, even after one failed, so that nothing is left starting when the rest is stopped.
    const [c, db, vault, bus, storage, id, sim] = await allSettledOrThrow([
      cert,
      cosmos,
      keyVault,
      serviceBus,
      azurite,
      identity,
      simulator,
      cosmosProvisioned,
      blobsProvisioned,
      secretsSeeded,
    ] as const);
    let operators: LocalOperator[] = [];
    const settings: Record<string, string> = {
      COSMOS_ENDPOINT: db.endpoint,
      COSMOS_KEY: db.key,
      COSMOS_DATABASE: databaseId,
      KEYVAULT_URL: vault.url,
      ServiceBusConnection: bus.connectionString,
      ArchiveStorage: storage.connectionString,
      AzureWebJobsStorage: storage.connectionString,
      TRUSTED_CA_CERT_PATH: c.certPath,
      OPERATOR_TENANT_ID: operatorTenantId,
      OPERATOR_API_AUDIENCE: options.operator?.audience ?? localOperator.audience,
      // The console's app registration in the operator tenant (the simulator serves its sign-in).
      OPERATOR_CONSOLE_CLIENT_ID: operatorConsoleClientId,
      // The telemetry timers' schedules (the app's defaults; a test or `npm start` may override them).
      TELEMETRY_HOURLY_SCHEDULE: '0 5 * * * *',
      TELEMETRY_SIX_HOURLY_SCHEDULE: '0 20 */6 * * *',
      TELEMETRY_DAILY_SCHEDULE: '0 40 2 * * *',
      COMPLIANCE_SWEEP_SCHEDULE: '0 15 */4 * * *',
      RECONCILE_SCHEDULE: '0 30 */4 * * *',
      CREDENTIAL_ROTATION_SCHEDULE: '0 15 3 * * *',
      // Where the stand-ins play their part: the regions the deployment declares (Cosmos DB answers its own).
      STORAGE_REGION: localRegion,
      SERVICEBUS_REGION: localRegion,
      KEYVAULT_REGION: localRegion,
      ...(sim
        ? {
            ENTRA_AUTHORITY_HOST: sim.authorityHost,
            GRAPH_BASE_URL: sim.graphUrl,
            DEFENDER_BASE_URL: sim.defenderUrl,
          }
        : {}),
      ...id.env,
    };
    const customerAuditStorage: CustomerAuditStorage = {
      accountName: customerAccount.name,
      accountKey: customerAccount.key,
      blobEndpoint: storage.blobEndpointOf(customerAccount.name),
    };
    if (sim) {
      // Demo tenants come under management the way any customer tenant does, through the app's own code.
      const credential = staticTokenCredential(id.tokenFor(KEY_VAULT_RESOURCE));
      await life.step('tenantsRegistered', () =>
        registerSeededTenants(settings, credential, seededTenants(sim), (tenantId) =>
          provisionCustomerAuditSink(customerAuditStorage, tenantId),
        ),
      );
      // The provider's tenant signs its operators in: the simulator serves its metadata and keys.
      sim.control.addOperatorTenant(operatorTenantId);
      const demo = demoTenantIds(sim);
      if (demo) {
        operators = localOperators(demo);
        await life.step('operatorsSeeded', () => seedOperators(settings, credential, operators));
        sim.control.setOperatorDirectory(operatorTenantId, operatorDirectory(operators, settings));
        // Contoso's service accounts, for the privileged-access walk-through (README).
        await life.step('serviceAccountsSeeded', () =>
          seedServiceAccounts(
            sim,
            demo.contoso,
            { url: vault.url, credential, ca: c.cert },
            options.clock.now(),
          ),
        );
      }
    }
    life.timings.total = life.elapsedMs();
    return {
      settings,
      tenantSimulator: sim,
      customerAuditStorage,
      operators,
      timings: life.timings,
      stop: () => life.stopAll(),
    };
  } catch (error) {
    await life.stopAll().catch(() => undefined);
    throw error;
  }
}

/** The ids of the two demo tenants, when the simulator holds them. */
function demoTenantIds(sim: TenantSimHandle): { contoso: string; fabrikam: string } | undefined {
  const byName = (name: string) => sim.world.tenants().find((t) => t.displayName === name)?.id;
  const contoso = byName('Contoso');
  const fabrikam = byName('Fabrikam');
  return contoso && fabrikam ? { contoso, fabrikam } : undefined;
}

/** Each simulated tenant with the app registration the service signs in as (the first one with a secret). */
function seededTenants(sim: TenantSimHandle): SeededTenant[] {
  return sim.world.tenants().flatMap((tenant) => {
    const app = tenant.apps.find((a) => a.clientSecret !== undefined);
    return app?.clientSecret
      ? [
          {
            id: tenant.id,
            displayName: tenant.displayName,
            clientId: app.clientId,
            clientSecret: app.clientSecret,
          },
        ]
      : [];
  });
}

function webhookSecrets(): Record<string, string> {
  return Object.fromEntries(
    localWebhookSources.map((source) => [
      secretNames.autopilotWebhookSecret(source),
      randomBytes(32).toString('base64url'),
    ]),
  );
}

/** The operator environment's audit keys, which a deployment creates in Key Vault: two hash keys and a signing key. */
function auditKeys(): Record<string, string> {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    [secretNames.auditPseudonymKey]: randomBytes(32).toString('base64'),
    [secretNames.auditOperatorAliasKey]: randomBytes(32).toString('base64'),
    [secretNames.auditCheckpointSigningKey]: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
