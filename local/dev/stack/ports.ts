/** Where each stand-in listens. `npm start` takes them from the settings' URLs; tests use ephemeral ports. */
export interface StackPorts {
  cosmos: number;
  blob: number;
  queue: number;
  table: number;
  keyVault: number;
  serviceBus: number;
  tenantSim: number;
}

export const ephemeralPorts: StackPorts = {
  cosmos: 0,
  blob: 0,
  queue: 0,
  table: 0,
  keyVault: 0,
  serviceBus: 0,
  tenantSim: 0,
};

/** Azurite's ports when a connection string says `UseDevelopmentStorage=true`. */
const developmentStoragePorts = { blob: 10000, queue: 10001, table: 10002 };

/**
 * Reads the stand-ins' ports from the app's own settings, so that the settings file is the one place a port is
 * chosen: COSMOS_ENDPOINT, KEYVAULT_URL, ServiceBusConnection's `Endpoint`, ArchiveStorage's `<Service>Endpoint`
 * (or the development-storage defaults) and ENTRA_AUTHORITY_HOST (the tenant simulator serves Entra ID, Graph and
 * Defender on one port).
 */
export function portsFromSettings(env: Record<string, string | undefined>): StackPorts {
  const storage = env.ArchiveStorage ?? 'UseDevelopmentStorage=true';
  return {
    cosmos: urlPort(env, 'COSMOS_ENDPOINT'),
    keyVault: urlPort(env, 'KEYVAULT_URL'),
    serviceBus: portOf(connectionStringPart(env, 'ServiceBusConnection', 'Endpoint'), 'ServiceBusConnection'),
    tenantSim: urlPort(env, 'ENTRA_AUTHORITY_HOST'),
    ...(/UseDevelopmentStorage=true/i.test(storage)
      ? developmentStoragePorts
      : {
          blob: portOf(connectionStringPart(env, 'ArchiveStorage', 'BlobEndpoint'), 'ArchiveStorage'),
          queue: portOf(connectionStringPart(env, 'ArchiveStorage', 'QueueEndpoint'), 'ArchiveStorage'),
          table: portOf(connectionStringPart(env, 'ArchiveStorage', 'TableEndpoint'), 'ArchiveStorage'),
        }),
  };
}

function urlPort(env: Record<string, string | undefined>, name: string): number {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set; the local stack takes its port from it`);
  return portOf(value, name);
}

function connectionStringPart(env: Record<string, string | undefined>, name: string, part: string): string {
  const value = env[name] ?? '';
  const found = value
    .split(';')
    .map((pair) => pair.split('='))
    .find(([key]) => key?.trim().toLowerCase() === part.toLowerCase());
  if (!found) throw new Error(`${name} has no ${part}; the local stack takes its port from it`);
  return found.slice(1).join('=');
}

/** The explicit port of a URL; the stand-ins never listen on a scheme's default port. */
function portOf(url: string, name: string): number {
  let port: string;
  try {
    port = new URL(url).port;
  } catch {
    throw new Error(`${name} is not a URL with a port`);
  }
  if (!port) throw new Error(`${name} names no port; the local stack needs an explicit one`);
  return Number(port);
}
