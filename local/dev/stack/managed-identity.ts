import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { listen } from '@mds/platform-kit';

/**
 * The managed-identity endpoint the Functions platform gives every app (App Service protocol, api-version
 * 2019-08-01): `DefaultAzureCredential` finds it through `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` and asks it
 * for tokens, exactly as in Azure. So the app builds the same credential everywhere and carries no local branch;
 * only the token differs: here a random bearer token per start that the stand-ins are told to accept.
 */
export interface ManagedIdentityEndpoint {
  /** Environment the credential reads, as the platform sets it. */
  env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  /** The bearer token handed out for `resource`; configure the stand-in serving that resource to accept it. */
  tokenFor(resource: string): string;
  stop(): Promise<void>;
}

const path = '/msi/token';

export async function startManagedIdentityEndpoint(
  resources: readonly string[],
): Promise<ManagedIdentityEndpoint> {
  const header = randomBytes(24).toString('hex');
  const tokens = new Map(
    resources.map((resource) => [normalise(resource), randomBytes(32).toString('base64url')]),
  );
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const resource = normalise(url.searchParams.get('resource') ?? '');
    const token = tokens.get(resource);
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || url.pathname !== path) return reply(404, { error: 'not_found' });
    if (!sameSecret(req.headers['x-identity-header'], header)) {
      return reply(401, {
        error: 'unauthorized',
        error_description: 'X-IDENTITY-HEADER is missing or wrong.',
      });
    }
    if (!token) {
      return reply(400, {
        error: 'invalid_resource',
        error_description: `No local identity for resource '${resource}'.`,
      });
    }
    const expiresOn = Math.floor(Date.now() / 1000) + 3600;
    return reply(200, {
      access_token: token,
      expires_on: String(expiresOn),
      resource,
      token_type: 'Bearer',
      client_id: '00000000-0000-4000-8000-0000000000a1',
    });
  });
  const listening = await listen(server, { name: 'Managed-identity endpoint' });
  return {
    env: { IDENTITY_ENDPOINT: `${listening.origin}${path}`, IDENTITY_HEADER: header },
    tokenFor: (resource) => {
      const token = tokens.get(normalise(resource));
      if (!token) throw new Error(`No local identity for resource '${resource}'`);
      return token;
    },
    stop: () => listening.close(),
  };
}

/** Credentials ask for `https://vault.azure.net` or `https://vault.azure.net/` depending on where the scope came from. */
function normalise(resource: string): string {
  return resource.replace(/\/\.default$/, '').replace(/\/+$/, '');
}

function sameSecret(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
