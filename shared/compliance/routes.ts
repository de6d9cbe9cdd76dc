import { z } from 'zod';
import { serialNumberSchema } from '../onboarding/device-order';
import { type RouteSpec } from '../operators/routes';
import {
  factSources,
  remediationKinds,
  ruleIds,
  ruleModes,
  ruleOutcomes,
  severities,
} from './baseline/contract';
import { tenantComplianceSettingsSchema } from './baseline/settings';

/** The operator API's compliance rows, spread into the one route table (shared/operators/routes.ts). */

const tenantId = z
  .uuid({ message: 'must be a tenant id (a GUID)' })
  .meta({ description: 'The customer tenant id.' });
const tenantParams = z.strictObject({ tenantId });

const ruleSummarySchema = z.object({
  ruleId: z.enum(ruleIds),
  title: z.string(),
  pass: z.int(),
  fail: z.int(),
  notApplicable: z.int(),
  unknown: z.int(),
  passRate: z.number().nullable(),
});

const sweepStartedSchema = z.object({
  tenantId: z.string(),
  sweepId: z.string(),
  windowAt: z.string(),
  state: z.enum(['started', 'exists']),
  statusUrl: z.string().meta({ description: 'The sweep’s status route (GET, Fleet.Read).' }),
});

const { modes, thresholds, extraThirdPartyProducts } = tenantComplianceSettingsSchema.shape;
/** What an operator sends; the handler checks the whole settings (a remediate mode needs a remediation). */
const settingsBody = z.strictObject({ modes, thresholds, extraThirdPartyProducts });

export const complianceRoutes = {
  startSweep: {
    method: 'POST',
    path: 'tenants/{tenantId}/sweeps',
    access: { kind: 'role', role: 'Fleet.Operate' },
    tag: 'Compliance',
    summary: 'Run the compliance sweep of the current window now',
    description:
      'One sweep per tenant and 4-hour window: a second request in the window answers with the sweep already ' +
      'started. Follow it at its status URL.',
    params: tenantParams,
    audit: 'compliance.sweep',
    success: { status: 202, description: 'Started (or already under way)', schema: sweepStartedSchema },
  },
  getSweep: {
    method: 'GET',
    path: 'tenants/{tenantId}/sweeps/{sweepId}',
    access: { kind: 'role', role: 'Fleet.Read' },
    tag: 'Compliance',
    summary: 'One sweep: runtime status, stage, and its outcome once done',
    params: z.strictObject({
      tenantId,
      sweepId: z.string().regex(/^compliance:[0-9a-f-]{36}:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, {
        message: 'must be a sweep id',
      }),
    }),
    success: {
      status: 200,
      description: 'The sweep',
      schema: z.object({
        tenantId: z.string(),
        sweepId: z.string(),
        runtimeStatus: z.string().optional(),
        stage: z.string().optional(),
        status: z.enum(['completed', 'failed']).optional(),
        outcome: z.record(z.string(), z.unknown()).optional(),
        error: z.string().optional(),
      }),
    },
  },
  getCompliance: {
    method: 'GET',
    path: 'tenants/{tenantId}/compliance',
    access: { kind: 'role', role: 'Fleet.Read' },
    tag: 'Compliance',
    summary:
      'The tenant’s last sweep: health counts, pass rate per rule, fleet shares, and the trend over sweeps',
    params: tenantParams,
    query: z.strictObject({
      trend: z.coerce.number().int().min(1).max(60).default(12).meta({ description: 'Sweeps in the trend.' }),
    }),
    success: {
      status: 200,
      description: 'The summary (empty before the first sweep)',
      schema: z.object({
        tenantId: z.string(),
        baselineVersion: z.string().nullable(),
        lastSweep: z
          .object({
            sweepId: z.string(),
            evaluatedAt: z.string(),
            devices: z.int(),
            healthy: z.int(),
            unhealthy: z.int(),
            notReporting: z.int(),
            caMismatches: z.int(),
            shares: z.record(z.string(), z.object({ share: z.number().optional(), devices: z.int() })),
          })
          .nullable(),
        rules: z.array(ruleSummarySchema),
        trend: z.array(
          z.object({
            sweepId: z.string(),
            evaluatedAt: z.string(),
            healthy: z.int(),
            unhealthy: z.int(),
            notReporting: z.int(),
            passRates: z.record(z.string(), z.number().nullable()),
          }),
        ),
      }),
    },
  },
  getDeviceCompliance: {
    method: 'GET',
    path: 'tenants/{tenantId}/compliance/devices/{serialNumber}',
    access: { kind: 'role', role: 'Fleet.Read' },
    tag: 'Compliance',
    summary: 'A device’s result per rule: outcome, detail, mode, first failed, last evaluated',
    params: z.strictObject({
      tenantId,
      serialNumber: serialNumberSchema.meta({ description: 'The device serial number.' }),
    }),
    success: {
      status: 200,
      description: 'The device’s results',
      schema: z.object({
        serialNumber: z.string(),
        deviceId: z.string(),
        health: z.enum(['healthy', 'unhealthy', 'notReporting']),
        caMismatch: z.boolean(),
        baselineVersion: z.string(),
        lastEvaluatedAt: z.string(),
        results: z.array(
          z.object({
            ruleId: z.enum(ruleIds),
            outcome: z.enum(ruleOutcomes),
            detail: z.string(),
            mode: z.enum(ruleModes),
            severity: z.enum(severities),
            products: z.array(z.string()).optional(),
            firstFailedAt: z.string().optional(),
            lastEvaluatedAt: z.string(),
          }),
        ),
      }),
    },
  },
  getBaseline: {
    method: 'GET',
    path: 'compliance/baseline',
    access: { kind: 'role', role: 'Fleet.Read' },
    tag: 'Compliance',
    summary:
      'The security baseline: every rule with its facts, default mode and remediations; default thresholds',
    success: {
      status: 200,
      description: 'The baseline',
      schema: z.object({
        version: z.string(),
        rules: z.array(
          z.object({
            id: z.enum(ruleIds),
            title: z.string(),
            category: z.string(),
            severity: z.enum(severities),
            reads: z.array(z.enum(factSources)),
            defaultMode: z.enum(ruleModes),
            remediations: z.array(z.enum(remediationKinds)),
          }),
        ),
        defaults: z.record(z.string(), z.unknown()),
        thirdPartyProducts: z.array(
          z.object({
            name: z.string(),
            match: z.string(),
            publisher: z.string().optional(),
            category: z.string(),
          }),
        ),
        windowsReleases: z.array(z.object({ build: z.int(), name: z.string(), endOfService: z.string() })),
      }),
    },
  },
  getComplianceSettings: {
    method: 'GET',
    path: 'tenants/{tenantId}/compliance/settings',
    access: { kind: 'role', role: 'Fleet.Read' },
    tag: 'Compliance',
    summary: 'The tenant’s mode per rule, threshold overrides and extra third-party products',
    params: tenantParams,
    success: { status: 200, description: 'The settings, with every rule’s effective mode' },
  },
  putComplianceSettings: {
    method: 'PUT',
    path: 'tenants/{tenantId}/compliance/settings',
    access: { kind: 'role', role: 'Tenants.Manage' },
    tag: 'Compliance',
    summary: 'Change the tenant’s modes (remediate, alert, report), threshold overrides and extra products',
    description:
      'Replaces the settings; the next sweep judges with them. A rule without a remediation cannot be set to remediate.',
    params: tenantParams,
    body: settingsBody,
    audit: 'compliance.settings',
    success: { status: 200, description: 'The settings as stored' },
  },
} as const satisfies Record<string, RouteSpec>;
