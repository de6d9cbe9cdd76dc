import { randomUUID } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { localOperators, tokenRequest } from '@mds/dev';
import { composition } from '../../shared/composition';
import { type TenantRecord } from '../../shared/domain/tenant';
import { type OperatorRole } from '../../shared/operators/contract';
import { type OperatorRecord } from '../../shared/operators/operator-record';
import { type OnboardingWorld, startOnboardingWorld } from './onboarding-world';
import { stackCaPem, stackConfig, stackSettings } from './stack';

/** Someone who calls the operator API: what their token carries and what the registry holds of them. */
export interface Persona {
  name: string;
  oid: string;
  roles: readonly OperatorRole[];
  amr: readonly string[];
  acrs?: readonly string[];
  /** Their registry record; undefined: not registered. */
  record?: Omit<OperatorRecord, 'id' | 'updatedAt' | 'updatedBy'>;
}

export interface Answer {
  status: number;
  headers: Headers;
  contentType: string;
  body: any;
  text: string;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/**
 * The app on the local host (the onboarding world: shared stack, a tenant simulator and a broker of its own), with
 * the operator tenant registered in that simulator, two customer tenants, and operators registered on demand.
 */
export interface OperatorWorld {
  world: OnboardingWorld;
  baseUrl: string;
  operatorTenantId: string;
  audience: string;
  /** Two tenants brought under management; scoped personas get only `inScope`. */
  inScope: TenantRecord;
  outOfScope: TenantRecord;
  register(persona: Persona): Promise<void>;
  token(
    persona: Persona,
    extra?: { expiresInSeconds?: number; claims?: Record<string, unknown>; omitClaims?: string[] },
  ): string;
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  stop(): Promise<void>;
}

export async function startOperatorWorld(
  options: Parameters<typeof startOnboardingWorld>[0] = {},
): Promise<OperatorWorld> {
  const world = await startOnboardingWorld(options);
  const config = stackConfig();
  world.sim.control.addOperatorTenant(config.OPERATOR_TENANT_ID);
  const seats = { enabled: 20, consumed: 0 };
  const [inScope, outOfScope] = await Promise.all([
    world.addTenant({ name: 'Litware', deviceCount: 3, seats }),
    world.addTenant({ name: 'Proseware', deviceCount: 3, seats }),
  ]);
  return {
    world,
    baseUrl: world.host.baseUrl,
    operatorTenantId: config.OPERATOR_TENANT_ID,
    audience: config.OPERATOR_API_AUDIENCE,
    inScope,
    outOfScope,
    async register(persona) {
      if (!persona.record) return;
      await composition().operators.registry.upsert({
        id: persona.oid,
        ...persona.record,
        updatedAt: new Date().toISOString(),
        updatedBy: 'test',
      });
    },
    token(persona, extra = {}) {
      return world.sim.control.issueOperatorToken({
        tenantId: config.OPERATOR_TENANT_ID,
        oid: persona.oid,
        upn: `${persona.name}@operators.example`,
        name: persona.name,
        roles: [...persona.roles],
        amr: [...persona.amr],
        ...(persona.acrs ? { acrs: [...persona.acrs] } : {}),
        audience: config.OPERATOR_API_AUDIENCE,
        ...extra,
      });
    },
    async call(method, path, options = {}) {
      const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
      const response = await fetch(`${world.host.baseUrl}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      let parsed: unknown;
      try {
        parsed = text && contentType.includes('json') ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, contentType, body: parsed, text };
    },
    stop: () => world.stop(),
  };
}

export function newOid(): string {
  return randomUUID();
}

const inAYear = new Date(Date.now() + 365 * 24 * 60 * 60_000).toISOString().slice(0, 10);

/** A registry record of an eligible operator, scoped as given. */
export function eligible(tenants: OperatorRecord['tenants']): NonNullable<Persona['record']> {
  return {
    displayName: 'Test Operator',
    country: 'US',
    backgroundCheckExpiresOn: inAYear,
    tenants,
    enabled: true,
  };
}

/**
 * A token of one of the operators the global stack seeds (lead, reader, approver, auditor, abroad, lapsed), minted by
 * the stack's tenant simulator over its control API, for tests whose host uses the stack's simulator.
 */
export async function stackOperatorToken(handle: string): Promise<string> {
  const settings = stackSettings();
  const operator = localOperators({ contoso: '', fabrikam: '' }).find((o) => o.handle === handle);
  if (!operator) throw new Error(`the stack seeds no operator ${handle}`);
  const body = JSON.stringify(tokenRequest(operator, settings));
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${settings.ENTRA_AUTHORITY_HOST}/_sim/tokens/operator`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, ca: stackCaPem() },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { access_token?: string };
          if (answer.access_token) resolve(answer.access_token);
          else reject(new Error(`the simulator gave no token (${res.statusCode})`));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
