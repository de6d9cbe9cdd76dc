/**
 * Driving the simulator from tests, benchmarks and `npm start`: in process through `SimControl`, or over
 * HTTP under `/_sim/` (no authentication: it listens on loopback only and exists for local use).
 *
 *   GET    /_sim                                   this list
 *   GET    /_sim/tenants                           tenants with their apps' credentials (secrets included)
 *   POST   /_sim/tenants                           create a tenant from a TenantSpec (the model's) → 201
 *   GET    /_sim/tenants/{id}                      one tenant
 *   PUT    /_sim/tenants/{id}/devices/{serialOrId}/behaviour   script one device (body: the model's behaviour)
 *   POST   /_sim/tenants/{id}/changes              change the tenant as its admins would (drift, readiness cases):
 *          {kind: deletePolicy|changePolicy|deleteGroup|removeGroupMember|assignForeignPolicy|setSecurityDefaults|
 *           setMdmAuthority|addConditionalAccessPolicy|addUser|addGroup, ...} (model/identity.ts TenantChange) → 204
 *   GET|PUT|DELETE /_sim/tenants/{id}/faults       injected latency / 5xx rate / 429 burst (FaultSettings)
 *   PUT    /_sim/tenants/{id}/exports              {failNext?: {count, reportName?}, expireNextDownloads?: n}
 *   POST   /_sim/tenants/{id}/devices/quality-update   {count, seed?}: devices install the latest cumulative update
 *   PUT    /_sim/tenants/{id}/devices/{serialOrId}/posture   what a compliance sweep reads: {healthy?, antivirus?,
 *          realTimeProtection?, tamperProtection?, signaturesCurrent?, encrypted?, recoveryKeyEscrowed?, defender?,
 *          offlineDays?, latestQualityUpdate?, windowsRelease?, knownFoldersProtected?, windowsHello?, tpmPresent?,
 *          scheduledQuickScans?, intuneCompliance?, joinGroups?, leaveGroups?} (model/posture.ts) → 204
 *   POST   /_sim/tenants/{id}/devices/posture   {change, count?, seed?}: the same on many devices → {managedDeviceIds}
 *   GET|PUT /_sim/tenants/{id}/throttling          {enabled?, limits?: {intune|graph|defender|defenderAvInfo: [{windowMs,max,writesOnly?}]}}
 *   GET|PUT /_sim/throttling                       the same, as the default for every tenant
 *   GET    /_sim/clock                             {now, epochMs, virtual, nextDue?}
 *   POST   /_sim/clock/advance                     {ms} or {to: ISO time or epoch ms}; virtual clock only (else 409)
 *   POST   /_sim/tokens/operator                   OperatorTokenOptions → {access_token, token_type, expires_in}
 *   POST   /_sim/operator-tenants                  {tenantId, users?, apps?}: serve the OpenID metadata of an operator
 *          tenant; with users (oid, upn, name, password, roles, mfa) and single-page apps (clientId, redirectUris,
 *          apiAudience, apiScopes) its sign-in page and code flow serve them (sign-in.ts) → 204
 *   GET|DELETE /_sim/counters                      all tenants' counters / reset them
 *   GET|DELETE /_sim/tenants/{id}/counters         one tenant's counters / reset them
 */
import { z } from 'zod';
import { type Clock, VirtualClock } from '@mds/platform-kit';
import { type SimResponse } from './contract';
import { type Counters, type TenantCounters } from './counters';
import { type EntraId, type OperatorTokenOptions } from './entra';
import { type OperatorDirectory } from './sign-in';
import { SimError } from './errors';
import { type FaultInjector, type FaultSettings } from './faults';
import { type SimModel, type SimTenantView } from './model-port';
import { type ThrottleSettings, type ThrottleSettingsPatch, type Throttler } from './throttle';

export interface TenantSummary {
  id: string;
  displayName?: string;
  apps: {
    clientId: string;
    displayName?: string;
    /** Present only in control-API answers; never printed or logged. */
    clientSecret?: string;
    hasCertificate: boolean;
    permissions: string[];
  }[];
}

export class ClockNotVirtualError extends Error {
  constructor() {
    super('The simulator runs on wall time; only a VirtualClock can be advanced.');
    this.name = 'ClockNotVirtualError';
  }
}

export class UnknownTenantError extends Error {
  constructor(tenantId: string) {
    super(`Tenant '${tenantId}' does not exist in the simulator.`);
    this.name = 'UnknownTenantError';
  }
}

export class SimControl {
  constructor(
    private readonly model: SimModel,
    private readonly clock: Clock,
    private readonly entra: EntraId,
    private readonly throttler: Throttler,
    private readonly faults: FaultInjector,
    private readonly counters: Counters,
  ) {}

  /** Builds a tenant through the model (which validates `spec`). */
  createTenant(spec: unknown): TenantSummary {
    return summarise(this.model.createTenant(spec as never));
  }

  tenants(): TenantSummary[] {
    return [...this.model.tenants()].map(summarise);
  }

  tenant(tenantId: string): TenantSummary {
    return summarise(this.existing(tenantId));
  }

  setDeviceBehaviour(tenantId: string, serialOrId: string, behaviour: unknown): void {
    this.existing(tenantId);
    this.model.setDeviceBehaviour(tenantId, serialOrId, behaviour as never);
  }

  /** Report export faults: the next jobs end `failed`, the next downloads are refused as expired. */
  scriptExports(tenantId: string, script: unknown): void {
    this.existing(tenantId);
    if (!this.model.scriptExports) throw new Error('This model has no report exports.');
    this.model.scriptExports(tenantId, exportScriptSchema.parse(script) as never);
  }

  /** `count` devices install their release's latest cumulative update (their data changes); returns their ids. */
  installQualityUpdate(tenantId: string, count: number, seed?: number): string[] {
    this.existing(tenantId);
    if (!this.model.installQualityUpdate) throw new Error('This model has no device updates.');
    return this.model.installQualityUpdate(tenantId, count, seed);
  }

  /** Seeds what a compliance sweep reads on one device, or makes it recover (`{healthy: true}`). */
  setPosture(tenantId: string, serialOrId: string, change: unknown): void {
    this.existing(tenantId);
    if (!this.model.setPosture) throw new Error('This model has no device posture.');
    this.model.setPosture(tenantId, serialOrId, change as never);
  }

  /** The same posture change on `count` managed devices (all when absent); returns their managed device ids. */
  seedPosture(tenantId: string, change: unknown, count?: number, seed?: number): string[] {
    this.existing(tenantId);
    if (!this.model.seedPosture) throw new Error('This model has no device posture.');
    return this.model.seedPosture(tenantId, change as never, count, seed);
  }

  /** Changes a tenant as its own admins would (drift for provisioning to find, or a readiness case). */
  changeTenant(tenantId: string, change: unknown): void {
    this.existing(tenantId);
    if (!this.model.changeTenant)
      throw new SimError({ status: 501, body: { error: 'This model has no changes.' } });
    this.model.changeTenant(tenantId, change as never);
  }

  /** Replaces the tenant's fault settings; `undefined` removes them. */
  setFaults(tenantId: string, settings: FaultSettings | undefined): void {
    this.faults.configure(tenantId, settings === undefined ? undefined : faultSettingsSchema.parse(settings));
  }

  faultSettings(tenantId: string): FaultSettings | undefined {
    return this.faults.settings(tenantId);
  }

  /** Changes one tenant's throttling, or the default for all tenants when `tenantId` is undefined. */
  setThrottling(tenantId: string | undefined, patch: ThrottleSettingsPatch): ThrottleSettings {
    const valid = throttlePatchSchema.parse(patch);
    return tenantId === undefined
      ? this.throttler.configureDefaults(valid)
      : this.throttler.configureTenant(tenantId, valid);
  }

  throttling(tenantId?: string): ThrottleSettings {
    return tenantId === undefined ? this.throttler.defaultSettings() : this.throttler.settings(tenantId);
  }

  clockState(): { now: string; epochMs: number; virtual: boolean; nextDue?: string } {
    const now = this.clock.now();
    const state: { now: string; epochMs: number; virtual: boolean; nextDue?: string } = {
      now: new Date(now).toISOString(),
      epochMs: now,
      virtual: this.clock instanceof VirtualClock,
    };
    const nextDue = this.clock instanceof VirtualClock ? this.clock.nextDue() : undefined;
    if (nextDue !== undefined) state.nextDue = new Date(nextDue).toISOString();
    return state;
  }

  /** Moves a virtual clock forward (by `ms`, or to `to`), running the device lifecycle due on the way. */
  async advanceClock(step: { ms: number } | { to: number | string }): Promise<void> {
    if (!(this.clock instanceof VirtualClock)) throw new ClockNotVirtualError();
    if ('ms' in step) await this.clock.advance(step.ms);
    else await this.clock.advanceTo(typeof step.to === 'number' ? step.to : Date.parse(step.to));
  }

  issueOperatorToken(options: OperatorTokenOptions): string {
    return this.entra.issueOperatorToken(operatorTokenSchema.parse(options));
  }

  /** The provider's tenant where operators sign in: its metadata and keys are served before any token is issued. */
  addOperatorTenant(tenantId: string): void {
    this.entra.addOperatorTenant(z.string().min(1).parse(tenantId));
  }

  /** The operator tenant's users and single-page apps, who sign in interactively (authorize, code flow). */
  setOperatorDirectory(tenantId: string, directory: OperatorDirectory): void {
    this.entra.setOperatorDirectory(
      z.string().min(1).parse(tenantId),
      operatorDirectorySchema.parse(directory),
    );
  }

  counterValues(tenantId: string): TenantCounters {
    return this.counters.read(tenantId);
  }

  allCounterValues(): Record<string, TenantCounters> {
    return this.counters.readAll();
  }

  resetCounters(tenantId?: string): void {
    this.counters.reset(tenantId);
  }

  private existing(tenantId: string): SimTenantView {
    const tenant = this.model.tenant(tenantId);
    if (!tenant) throw new UnknownTenantError(tenantId);
    return tenant;
  }
}

function summarise(tenant: SimTenantView): TenantSummary {
  const summary: TenantSummary = {
    id: tenant.id,
    apps: tenant.apps.map((app) => {
      const entry: TenantSummary['apps'][number] = {
        clientId: app.clientId,
        hasCertificate: Boolean(app.certificatePem ?? app.publicKeyPem),
        permissions: [...app.permissions],
      };
      if (app.displayName) entry.displayName = app.displayName;
      if (app.clientSecret) entry.clientSecret = app.clientSecret;
      return entry;
    }),
  };
  if (tenant.displayName) summary.displayName = tenant.displayName;
  return summary;
}

const faultStatusSchema = z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]);
const faultSettingsSchema = z.strictObject({
  seed: z.int().optional(),
  latency: z
    .strictObject({
      fixedMs: z.int().min(0).max(60_000).optional(),
      jitterMs: z.int().min(0).max(60_000).optional(),
    })
    .optional(),
  errors: z
    .strictObject({
      rate: z.number().min(0).max(1),
      statuses: z.array(faultStatusSchema).optional(),
      retryAfterSeconds: z.int().min(0).optional(),
    })
    .optional(),
  throttleBurst: z
    .strictObject({ count: z.int().min(0), retryAfterSeconds: z.int().min(0).optional() })
    .optional(),
  match: z
    .strictObject({
      surfaces: z.array(z.enum(['graph-v1.0', 'graph-beta', 'defender'])).optional(),
      method: z.string().optional(),
      pathPrefix: z.string().optional(),
    })
    .optional(),
});

const exportScriptSchema = z.strictObject({
  failNext: z.strictObject({ count: z.int().min(0), reportName: z.string().min(1).optional() }).optional(),
  expireNextDownloads: z.int().min(0).optional(),
});
const qualityUpdateSchema = z.strictObject({ count: z.int().min(0), seed: z.int().optional() });
const seedPostureSchema = z.strictObject({
  change: z.record(z.string(), z.unknown()),
  count: z.int().min(0).optional(),
  seed: z.int().optional(),
});

const limitSchema = z.strictObject({
  windowMs: z.int().positive(),
  max: z.int().positive(),
  writesOnly: z.boolean().optional(),
});
const throttlePatchSchema = z.strictObject({
  enabled: z.boolean().optional(),
  limits: z
    .strictObject({
      intune: z.array(limitSchema).optional(),
      graph: z.array(limitSchema).optional(),
      defender: z.array(limitSchema).optional(),
      defenderAvInfo: z.array(limitSchema).optional(),
    })
    .optional(),
});

const operatorDirectorySchema = z.strictObject({
  users: z.array(
    z.strictObject({
      oid: z.string().min(1),
      upn: z.string().min(1),
      name: z.string(),
      password: z.string().min(1),
      roles: z.array(z.string()),
      mfa: z.boolean(),
    }),
  ),
  apps: z.array(
    z.strictObject({
      clientId: z.string().min(1),
      redirectUris: z.array(z.url()).min(1),
      apiAudience: z.string().min(1),
      apiScopes: z.array(z.string().min(1)),
    }),
  ),
});

const operatorTokenSchema = z.strictObject({
  tenantId: z.string().min(1),
  oid: z.string().min(1),
  upn: z.string().min(1),
  name: z.string(),
  roles: z.array(z.string()),
  audience: z.string().min(1),
  amr: z.array(z.string()).optional(),
  acrs: z.array(z.string()).optional(),
  scopes: z.array(z.string()).optional(),
  clientId: z.string().optional(),
  expiresInSeconds: z.int().optional(),
  claims: z.record(z.string(), z.unknown()).optional(),
  omitClaims: z.array(z.string()).optional(),
});

const clockStepSchema = z.union([
  z.strictObject({ ms: z.int().min(0) }),
  z.strictObject({ to: z.union([z.int(), z.iso.datetime()]) }),
]);

/** Answers a `/_sim/...` request. */
export async function handleControlRequest(
  control: SimControl,
  method: string,
  path: string,
  body: unknown,
): Promise<SimResponse> {
  try {
    return await route(control, method, path.replace(/\/+$/, ''), body);
  } catch (error) {
    if (error instanceof SimError) return error.response;
    if (error instanceof z.ZodError) return controlError(400, z.prettifyError(error));
    if (error instanceof UnknownTenantError) return controlError(404, error.message);
    if (error instanceof ClockNotVirtualError) return controlError(409, error.message);
    // The model rejects specs and behaviours with its own errors; they are the caller's mistake here.
    if (error instanceof Error) return controlError(400, error.message);
    throw error;
  }
}

interface ControlEndpoint {
  method: string;
  pattern: string;
  run(control: SimControl, params: Record<string, string>, body: unknown): SimResponse | Promise<SimResponse>;
}

const endpoints: ControlEndpoint[] = [
  {
    method: 'GET',
    pattern: '',
    run: () => ok({ endpoints: endpoints.map((e) => `${e.method} /_sim${e.pattern}`) }),
  },
  { method: 'GET', pattern: '/tenants', run: (control) => ok(control.tenants()) },
  {
    method: 'POST',
    pattern: '/tenants',
    run: (control, _, body) => ({ status: 201, body: control.createTenant(body) }),
  },
  { method: 'GET', pattern: '/tenants/{id}', run: (control, { id }) => ok(control.tenant(id as string)) },
  {
    method: 'PUT',
    pattern: '/tenants/{id}/devices/{device}/behaviour',
    run: (control, { id, device }, body) => {
      control.setDeviceBehaviour(id as string, device as string, body);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    pattern: '/tenants/{id}/changes',
    run: (control, { id }, body) => {
      control.changeTenant(id as string, body);
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    pattern: '/tenants/{id}/faults',
    run: (control, { id }) => ok(control.faultSettings(id as string) ?? {}),
  },
  {
    method: 'PUT',
    pattern: '/tenants/{id}/faults',
    run: (control, { id }, body) => {
      control.setFaults(id as string, body as FaultSettings);
      return ok(control.faultSettings(id as string));
    },
  },
  {
    method: 'PUT',
    pattern: '/tenants/{id}/exports',
    run: (control, { id }, body) => {
      control.scriptExports(id as string, body);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    pattern: '/tenants/{id}/devices/quality-update',
    run: (control, { id }, body) => {
      const { count, seed } = qualityUpdateSchema.parse(body);
      return ok({ managedDeviceIds: control.installQualityUpdate(id as string, count, seed) });
    },
  },
  {
    method: 'PUT',
    pattern: '/tenants/{id}/devices/{device}/posture',
    run: (control, { id, device }, body) => {
      control.setPosture(id as string, device as string, body);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    pattern: '/tenants/{id}/devices/posture',
    run: (control, { id }, body) => {
      const { change, count, seed } = seedPostureSchema.parse(body);
      return ok({ managedDeviceIds: control.seedPosture(id as string, change, count, seed) });
    },
  },
  {
    method: 'DELETE',
    pattern: '/tenants/{id}/faults',
    run: (control, { id }) => {
      control.setFaults(id as string, undefined);
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    pattern: '/tenants/{id}/throttling',
    run: (control, { id }) => ok(control.throttling(id)),
  },
  {
    method: 'PUT',
    pattern: '/tenants/{id}/throttling',
    run: (control, { id }, body) => ok(control.setThrottling(id, body as ThrottleSettingsPatch)),
  },
  { method: 'GET', pattern: '/throttling', run: (control) => ok(control.throttling()) },
  {
    method: 'PUT',
    pattern: '/throttling',
    run: (control, _, body) => ok(control.setThrottling(undefined, body as ThrottleSettingsPatch)),
  },
  { method: 'GET', pattern: '/clock', run: (control) => ok(control.clockState()) },
  {
    method: 'POST',
    pattern: '/clock/advance',
    run: async (control, _, body) => {
      await control.advanceClock(clockStepSchema.parse(body));
      return ok(control.clockState());
    },
  },
  {
    method: 'POST',
    pattern: '/tokens/operator',
    run: (control, _, body) => {
      const options = operatorTokenSchema.parse(body);
      return ok({
        token_type: 'Bearer',
        access_token: control.issueOperatorToken(options),
        expires_in: options.expiresInSeconds ?? 3600,
      });
    },
  },
  {
    method: 'POST',
    pattern: '/operator-tenants',
    run: (control, _, body) => {
      const { tenantId, ...directory } = z
        .strictObject({ tenantId: z.string().min(1) })
        .extend(operatorDirectorySchema.partial().shape)
        .parse(body);
      if (directory.users || directory.apps)
        control.setOperatorDirectory(tenantId, { users: directory.users ?? [], apps: directory.apps ?? [] });
      else control.addOperatorTenant(tenantId);
      return { status: 204 };
    },
  },
  { method: 'GET', pattern: '/counters', run: (control) => ok(control.allCounterValues()) },
  {
    method: 'DELETE',
    pattern: '/counters',
    run: (control) => {
      control.resetCounters();
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    pattern: '/tenants/{id}/counters',
    run: (control, { id }) => ok(control.counterValues(id as string)),
  },
  {
    method: 'DELETE',
    pattern: '/tenants/{id}/counters',
    run: (control, { id }) => {
      control.resetCounters(id);
      return { status: 204 };
    },
  },
];

async function route(control: SimControl, method: string, path: string, body: unknown): Promise<SimResponse> {
  const segments = path.split('/').filter(Boolean).slice(1);
  for (const endpoint of endpoints) {
    const patternSegments = endpoint.pattern.split('/').filter(Boolean);
    if (endpoint.method !== method || patternSegments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = patternSegments.every((part, index) => {
      const segment = segments[index] as string;
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (name) params[name] = decodeURIComponent(segment);
      return name !== undefined || part === segment;
    });
    if (matches) return endpoint.run(control, params, body);
  }
  return controlError(404, `No control endpoint ${method} ${path}. GET /_sim lists them.`);
}

function ok(body: unknown): SimResponse {
  return { status: 200, body };
}

function controlError(status: number, message: string): SimResponse {
  return { status, body: { error: message } };
}
