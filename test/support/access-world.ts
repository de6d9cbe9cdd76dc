import { randomUUID } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { provisionCustomerAuditSink } from '@mds/dev';
import { allPermissions } from '@mds/tenant-sim';
import { rotationTimer } from '../../shared/access/contract';
import { composition } from '../../shared/composition';
import { secretNames } from '../../shared/platform/secret-names';
import { eligible, newOid, type OperatorWorld, type Persona, startOperatorWorld } from './operator-world';
import { customerAuditStorage, stackCaPem } from './stack';

/**
 * The operator world with a tenant provisioned as desired state (its four service accounts created in the
 * simulator, their passwords in Key Vault), operators who may request and approve credentials on it, and the
 * scheduled-rotation timer enabled (the other timers stay off).
 */
export interface AccessWorld {
  ow: OperatorWorld;
  tenantId: string;
  /** The tenant's app registration, whose client id the password grant names. */
  clientId: string;
  domain: string;
  requester: Persona;
  approver: Persona;
  secondApprover: Persona;
  /** Every password a test saw (checkout answers and Key Vault reads), for the search that must find none. */
  seenPasswords: Set<string>;
  request(persona: Persona, body?: Record<string, unknown>): Promise<string>;
  post(persona: Persona, path: string, body?: unknown): ReturnType<OperatorWorld['call']>;
  /** Entra's resource-owner password grant for one of the tenant's users: the HTTP status and AADSTS codes. */
  passwordGrant(account: string, password: string): Promise<{ status: number; errorCodes: number[] }>;
  /** The password Key Vault holds now (its newest enabled version). */
  vaultPassword(account: string): Promise<{ password: string; version: string }>;
  instanceOf(requestId: string): string;
  stop(): Promise<void>;
}

export const privileged = ['c1'];

export function credentialPersona(
  name: string,
  roles: Persona['roles'],
  tenants: string[] | 'all',
  overrides: Partial<NonNullable<Persona['record']>> = {},
): Persona {
  return {
    name,
    oid: newOid(),
    roles,
    amr: ['pwd', 'mfa'],
    acrs: privileged,
    record: { ...eligible(tenants), displayName: name, ...overrides },
  };
}

/**
 * A tenant of the world's simulator (one device, ten E5 seats, an app with every permission) onboarded through
 * provisioning as desired state: its four service accounts created, their passwords in Key Vault.
 */
export async function provisionTenant(
  ow: OperatorWorld,
  displayName = 'Tailspin',
): Promise<{ tenantId: string; clientId: string; domain: string }> {
  const run = Math.random().toString(36).slice(2, 8);
  const secret = `${displayName}-secret-${run}-0123456789abcdef`;
  const domain = `${displayName.toLowerCase()}${run}.onmicrosoft.com`;
  const created = ow.world.sim.control.createTenant({
    displayName,
    domain,
    seed: `${displayName}-${run}`,
    deviceCount: 1,
    e5: { enabled: 10, consumed: 0 },
    apps: [{ clientSecret: secret, permissions: [...allPermissions] }],
  });
  const clientId = created.apps[0]!.clientId;
  const onboarded = await composition().provisioning.onboardTenant(
    {
      id: created.id,
      displayName,
      clientId,
      clientSecret: secret,
      auditSink: await provisionCustomerAuditSink(customerAuditStorage(), created.id),
    },
    randomUUID(),
  );
  if (onboarded.tenant.status !== 'active') throw new Error(`${displayName} did not provision`);
  return { tenantId: created.id, clientId, domain };
}

export async function startAccessWorld(): Promise<AccessWorld> {
  const ow = await startOperatorWorld({ timers: [rotationTimer.name] });
  const { tenantId, clientId, domain } = await provisionTenant(ow);
  const both = ['Credentials.Request', 'Credentials.Approve'] as const;
  const requester = credentialPersona('Rae Requester', ['Credentials.Request'], [tenantId]);
  const approver = credentialPersona('Abe Approver', both, [tenantId]);
  const secondApprover = credentialPersona('Sam Second', both, 'all');
  for (const persona of [requester, approver, secondApprover]) await ow.register(persona);
  const seenPasswords = new Set<string>();

  const world: AccessWorld = {
    ow,
    tenantId,
    clientId,
    domain,
    requester,
    approver,
    secondApprover,
    seenPasswords,
    async request(persona, body = {}) {
      const answer = await ow.call('POST', `/api/v1/tenants/${tenantId}/credential-requests`, {
        token: ow.token(persona),
        headers: { 'idempotency-key': randomUUID() },
        body: {
          justification: 'Investigating incident INC-2041 on the tenant',
          ticket: 'INC-2041',
          durationMinutes: 60,
          ...body,
        },
      });
      if (answer.status !== 202) throw new Error(`request answered ${answer.status}: ${answer.text}`);
      return answer.body.id as string;
    },
    post(persona, path, body) {
      return ow.call('POST', `/api/v1/tenants/${tenantId}/${path}`, {
        token: ow.token(persona),
        ...(body === undefined ? {} : { body }),
      });
    },
    passwordGrant(account, password) {
      seenPasswords.add(password);
      const form = new URLSearchParams({
        grant_type: 'password',
        client_id: clientId,
        scope: 'https://graph.microsoft.com/.default',
        username: `${account}@${domain}`,
        password,
      }).toString();
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          `${ow.world.sim.authorityHost}/${tenantId}/oauth2/v2.0/token`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            ca: stackCaPem(),
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error_codes?: number[] };
              resolve({ status: res.statusCode ?? 0, errorCodes: body.error_codes ?? [] });
            });
          },
        );
        req.on('error', reject);
        req.end(form);
      });
    },
    async vaultPassword(account) {
      const secrets = composition().platform.secrets;
      const name = secretNames.tenantServiceAccountPassword(tenantId, account);
      const versions = [];
      for await (const v of secrets.listPropertiesOfSecretVersions(name))
        if (v.enabled !== false) versions.push(v);
      versions.sort((a, b) => (b.createdOn?.getTime() ?? 0) - (a.createdOn?.getTime() ?? 0));
      const version = versions[0]!.version!;
      const password = (await secrets.getSecret(name, { version })).value!;
      seenPasswords.add(password);
      return { password, version };
    },
    instanceOf: (requestId) => `credential:${tenantId}:${requestId}`,
    stop: () => ow.stop(),
  };
  return world;
}
