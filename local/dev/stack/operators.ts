import { type TokenCredential } from '@azure/core-auth';
import { type OperatorDirectory, deterministicUuid, operatorConsoleClientId } from '@mds/tenant-sim';
import { createApp } from '../../../shared/composition';
import { loadConfig } from '../../../shared/config';
import { type OperatorRole } from '../../../shared/operators/contract';
import { type OperatorRecord, type TenantScope } from '../../../shared/operators/operator-record';

/** A person of the local operator tenant: their registry record and what their tokens carry. */
export interface LocalOperator {
  /** A short handle for the printed token commands. */
  handle: string;
  oid: string;
  displayName: string;
  upn: string;
  country: string;
  backgroundCheckExpiresOn: string;
  tenants: TenantScope;
  enabled: boolean;
  roles: OperatorRole[];
  amr: string[];
  acrs?: string[];
  /** What trying the API as this operator shows. */
  shows: string;
}

const day = 24 * 60 * 60_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The operators `npm start` registers: one for each kind of access the API distinguishes, and two it refuses. */
export function localOperators(
  demo: { contoso: string; fabrikam: string },
  now = Date.now(),
): LocalOperator[] {
  const valid = isoDate(now + 300 * day);
  const person = (handle: string, displayName: string) => ({
    handle,
    oid: deterministicUuid(`local-operator/${handle}`),
    displayName,
    upn: `${handle}@operators.example`,
  });
  return [
    {
      ...person('lead', 'Lee Lead'),
      country: 'US',
      backgroundCheckExpiresOn: valid,
      tenants: [demo.contoso, demo.fabrikam],
      enabled: true,
      roles: ['Fleet.Read', 'Fleet.Operate', 'Tenants.Manage', 'Operators.Manage'],
      amr: ['pwd', 'mfa'],
      shows: 'both demo tenants; suspend, resume, onboard, manage operators',
    },
    {
      ...person('reader', 'Riley Reader'),
      country: 'US',
      backgroundCheckExpiresOn: valid,
      tenants: [demo.contoso],
      enabled: true,
      roles: ['Fleet.Read'],
      amr: ['pwd'],
      shows: 'Contoso only, read-only, no MFA (Fabrikam answers 404)',
    },
    {
      ...person('approver', 'Avery Approver'),
      country: 'US',
      backgroundCheckExpiresOn: valid,
      tenants: 'all',
      enabled: true,
      roles: ['Fleet.Read', 'Credentials.Request', 'Credentials.Approve'],
      amr: ['pwd', 'mfa'],
      acrs: ['c1'],
      shows: 'all tenants; approves credential checkouts (privileged context c1)',
    },
    {
      ...person('responder', 'Casey Responder'),
      country: 'US',
      backgroundCheckExpiresOn: valid,
      tenants: [demo.contoso],
      enabled: true,
      roles: ['Fleet.Read', 'Credentials.Request', 'Credentials.Approve'],
      amr: ['pwd', 'mfa'],
      acrs: ['c1'],
      shows: 'Contoso only; requests and approves credential checkouts (the second engineer of dual control)',
    },
    {
      ...person('auditor', 'Addison Auditor'),
      country: 'US',
      backgroundCheckExpiresOn: valid,
      tenants: 'all',
      enabled: true,
      roles: ['Audit.Read'],
      amr: ['pwd', 'mfa'],
      shows: 'the audit trail only',
    },
    {
      ...person('abroad', 'Alex Abroad'),
      country: 'GB',
      backgroundCheckExpiresOn: valid,
      tenants: 'all',
      enabled: true,
      roles: ['Fleet.Read'],
      amr: ['pwd', 'mfa'],
      shows: 'refused: located outside the US (GET /me says so)',
    },
    {
      ...person('lapsed', 'Lane Lapsed'),
      country: 'US',
      backgroundCheckExpiresOn: isoDate(now - day),
      tenants: 'all',
      enabled: true,
      roles: ['Fleet.Read'],
      amr: ['pwd', 'mfa'],
      shows: 'refused: background check lapsed yesterday',
    },
  ];
}

/** The registry record of a local operator, as an Operators.Manage operator's PUT would store it. */
export function operatorRecordOf(operator: LocalOperator, updatedBy: string): OperatorRecord {
  return {
    id: operator.oid,
    displayName: operator.displayName,
    country: operator.country,
    backgroundCheckExpiresOn: operator.backgroundCheckExpiresOn,
    tenants: operator.tenants,
    enabled: operator.enabled,
    updatedAt: new Date().toISOString(),
    updatedBy,
  };
}

/** Registers the operators through the app's own registry store, as an Operators.Manage operator's PUT would. */
export async function seedOperators(
  settings: Record<string, string>,
  credential: TokenCredential,
  operators: readonly LocalOperator[],
): Promise<void> {
  const app = createApp(loadConfig(settings), credential);
  try {
    for (const operator of operators) {
      await app.operators.registry.upsert(operatorRecordOf(operator, 'seed'));
    }
  } finally {
    await app.platform.close();
  }
}

/** The control API's request for one of the operator's tokens, as the body `POST /_sim/tokens/operator` takes. */
export function tokenRequest(operator: LocalOperator, settings: Record<string, string>) {
  return {
    tenantId: settings.OPERATOR_TENANT_ID ?? '',
    oid: operator.oid,
    upn: operator.upn,
    name: operator.displayName,
    roles: operator.roles,
    amr: operator.amr,
    ...(operator.acrs ? { acrs: operator.acrs } : {}),
    audience: settings.OPERATOR_API_AUDIENCE ?? '',
  };
}

/** A one-line shell command that prints a fresh access token of the operator (curl and node, nothing else). */
export function tokenCommand(
  operator: LocalOperator,
  settings: Record<string, string>,
  caPath: string,
): string {
  const body = JSON.stringify(tokenRequest(operator, settings));
  return (
    `curl -s --cacert ${caPath} -H 'content-type: application/json' -d '${body}' ` +
    `${settings.ENTRA_AUTHORITY_HOST}/_sim/tokens/operator | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token'`
  );
}

/** The password of every seeded operator on the simulator's sign-in page (a local account, nothing real). */
export const localOperatorPassword = 'local-operator';

/**
 * The operator tenant as the simulator's sign-in page serves it: the seeded operators (an Authenticator for those
 * whose tokens carry `mfa`) and the console's SPA registration. Loopback redirect URIs match on any port, as in
 * Entra ID, so the console works on whatever port the host listens.
 */
export function operatorDirectory(
  operators: readonly LocalOperator[],
  settings: Record<string, string>,
): OperatorDirectory {
  return {
    users: operators.map((operator) => ({
      oid: operator.oid,
      upn: operator.upn,
      name: operator.displayName,
      password: localOperatorPassword,
      roles: operator.roles,
      mfa: operator.amr.includes('mfa'),
    })),
    apps: [
      {
        clientId: settings.OPERATOR_CONSOLE_CLIENT_ID ?? operatorConsoleClientId,
        redirectUris: ['http://localhost/console/', 'http://127.0.0.1/console/'],
        apiAudience: settings.OPERATOR_API_AUDIENCE ?? '',
        apiScopes: [settings.OPERATOR_API_SCOPE_NAME ?? 'access_as_user'],
      },
    ],
  };
}
