import { type CosmosClient } from '@azure/cosmos';
import { AppError } from '../errors';

/**
 * Data residency: every store of the service is in the US. Cosmos DB's regions are read from the account itself
 * (its write and read locations, as the SDK's `getDatabaseAccount()` answers them), so a replica added in another
 * geography is caught; Storage, Service Bus and Key Vault have no such read on their data-plane endpoints, so their
 * regions are declared in settings (the deployment template sets them from the resources it creates).
 */

/** Azure's US regions (public and US Government clouds), by name in either form: `eastus2` or `East US 2`. */
const usRegionNames = [
  'eastus',
  'eastus2',
  'eastus3',
  'centralus',
  'northcentralus',
  'southcentralus',
  'westcentralus',
  'westus',
  'westus2',
  'westus3',
  'usgovvirginia',
  'usgovtexas',
  'usgovarizona',
  'usgoviowa',
  'usdodeast',
  'usdodcentral',
] as const;
const usRegions = new Set<string>(usRegionNames);

export function normalizeRegion(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function isUsRegion(name: string): boolean {
  return usRegions.has(normalizeRegion(name));
}

export interface StoreRegion {
  store: 'Cosmos DB' | 'Storage' | 'Service Bus' | 'Key Vault';
  /** Where the region was read: the account itself, or the setting that declares it. */
  source: string;
  region: string | undefined;
  inUs: boolean;
}

export interface ResidencyReport {
  ok: boolean;
  stores: StoreRegion[];
}

export interface ResidencySettings {
  STORAGE_REGION?: string | undefined;
  SERVICEBUS_REGION?: string | undefined;
  KEYVAULT_REGION?: string | undefined;
}

/** Start-up stops with this: it names each store outside the US (or without a declared region) and its region. */
export class DataResidencyError extends AppError {
  readonly code = 'data_residency';
  readonly status = 503;
  constructor(readonly outside: StoreRegion[]) {
    super(
      `Data residency: refusing to run with a store outside the US: ${outside
        .map((s) =>
          s.region === undefined
            ? `${s.store} declares no region (${s.source})`
            : `${s.store} is in '${s.region}' (${s.source})`,
        )
        .join('; ')}.`,
    );
  }
}

/** Every store's region; Cosmos DB's from the account (every write and every read location). */
export async function residencyReport(
  settings: ResidencySettings,
  cosmos: Pick<CosmosClient, 'getDatabaseAccount'>,
): Promise<ResidencyReport> {
  const { resource: account } = await cosmos.getDatabaseAccount();
  const cosmosRegions = [
    ...(account?.writableLocations ?? []).map((l) => ({ name: l.name, source: 'account write region' })),
    ...(account?.readableLocations ?? []).map((l) => ({ name: l.name, source: 'account read region' })),
  ];
  const declared = (store: StoreRegion['store'], setting: keyof ResidencySettings): StoreRegion => {
    const region = settings[setting];
    return { store, source: setting, region, inUs: region !== undefined && isUsRegion(region) };
  };
  const stores: StoreRegion[] = [
    ...(cosmosRegions.length > 0
      ? cosmosRegions.map(({ name, source }) => ({
          store: 'Cosmos DB' as const,
          source,
          region: name,
          inUs: isUsRegion(name),
        }))
      : [{ store: 'Cosmos DB' as const, source: 'account (no locations)', region: undefined, inUs: false }]),
    declared('Storage', 'STORAGE_REGION'),
    declared('Service Bus', 'SERVICEBUS_REGION'),
    declared('Key Vault', 'KEYVAULT_REGION'),
  ];
  return { ok: stores.every((s) => s.inUs), stores };
}

/**
 * The check start-up runs (an `appStart` hook) and the health endpoint reports: the report is made once per
 * process and kept, since regions do not move under a running app.
 */
export function residencyGate(
  settings: ResidencySettings,
  cosmos: () => Pick<CosmosClient, 'getDatabaseAccount'>,
) {
  let report: Promise<ResidencyReport> | undefined;
  const check = (): Promise<ResidencyReport> => {
    report ??= residencyReport(settings, cosmos()).catch((error: unknown) => {
      report = undefined;
      throw error;
    });
    return report;
  };
  return {
    check,
    /** Throws DataResidencyError when a store is outside the US. */
    enforce: async (): Promise<ResidencyReport> => {
      const result = await check();
      if (!result.ok) throw new DataResidencyError(result.stores.filter((s) => !s.inUs));
      return result;
    },
  };
}

export type ResidencyGate = ReturnType<typeof residencyGate>;
