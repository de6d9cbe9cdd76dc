import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { type InvocationContext } from '@azure/functions';
import { type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { type ContainerClient } from '@azure/storage-blob';
import { type TenantRecord } from '../domain/tenant';
import { type ImplementationsOf } from '../platform/activity-registration';
import { type DeviceEvent } from '../platform/cloud-events';
import { deviceEventMessage } from '../platform/cloud-events';
import { withRawSnapshot } from '../platform/gzip-blob';
import { type TenantApis } from '../platform/graph/tenant-clients';
import { sendInBatches } from '../platform/servicebus';
import { type TenantStore } from '../tenants/store';
import {
  type Baseline,
  type DeviceFacts,
  type DeviceVerdict,
  type TenantComplianceSettings,
} from './baseline/contract';
import { evaluateDevice, fleetAccumulator } from './baseline/evaluate';
import { planRemediations } from './baseline/remediation';
import { defaultTenantComplianceSettings } from './baseline/settings';
import { healthSnapshot, healthTransition } from './baseline/transitions';
import { type complianceActivities, type FactsRef, type SweepInput, type SweepOutcome } from './contract';
import {
  caMismatchAlertMessage,
  fleetAlertMessage,
  healthChangedEvent,
  remediationFailedEvent,
} from './events';
import { collectFacts, type TelemetryState } from './facts';
import { remediationMessage } from './remediation';
import { type ComplianceStore, type DeviceResults, type SettingsRecord, deviceDocId } from './store';

export interface ComplianceDependencies {
  tenants: TenantStore;
  /** The tenant's clients in the background lane: reads and writes that yield to onboarding. */
  tenantApis(tenant: TenantRecord): Promise<TenantApis>;
  telemetry: TelemetryState;
  store: ComplianceStore;
  facts: ContainerClient;
  baseline: Baseline;
  deviceEvents: ServiceBusSender;
  alerts: ServiceBusSender;
  remediations: ServiceBusSender;
  /** Wall-clock now, for scheduling queued remediations. */
  now(): number;
}

/** Devices evaluated, compared and written per round trip. */
const chunkSize = 100;

export function factsBlobName(input: SweepInput): string {
  return `${input.tenantId}/${input.sweepId.replace(/[:]/g, '-')}.ndjson.gz`;
}

/** The tenant's settings as stored, or the defaults for its rings. */
export async function tenantSettings(
  store: ComplianceStore,
  tenant: TenantRecord,
): Promise<TenantComplianceSettings> {
  const stored = await store.settings(tenant.id);
  if (!stored) return defaultTenantComplianceSettings(tenant.id, tenant.updateRings);
  return settingsOf(stored);
}

export function settingsOf(record: SettingsRecord): TenantComplianceSettings {
  return {
    tenantId: record.tenantId,
    updateRings: record.updateRings,
    modes: record.modes,
    thresholds: record.thresholds,
    extraThirdPartyProducts: record.extraThirdPartyProducts,
  };
}

async function* factChunks(container: ContainerClient, blob: string): AsyncGenerator<DeviceFacts[]> {
  const download = await container.getBlockBlobClient(blob).download();
  if (!download.readableStreamBody) throw new Error(`the facts blob ${blob} has no body`);
  const lines = createInterface({
    input: download.readableStreamBody.pipe(createGunzip()),
    crlfDelay: Infinity,
  });
  let chunk: DeviceFacts[] = [];
  for await (const line of lines) {
    if (line === '') continue;
    chunk.push(JSON.parse(line) as DeviceFacts);
    if (chunk.length >= chunkSize) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** The stored results after a verdict: `firstFailedAt` kept while a rule keeps failing. */
export function deviceResults(
  previous: DeviceResults | undefined,
  verdict: DeviceVerdict,
  serialNumber: string,
  sweepId: string,
): DeviceResults {
  const before = new Map(previous?.results.map((result) => [result.ruleId, result]));
  const snapshot = healthSnapshot(previous?.snapshot, verdict);
  return {
    id: deviceDocId(verdict.deviceId),
    tenantId: verdict.tenantId,
    type: 'device',
    deviceId: verdict.deviceId,
    ...(verdict.aadDeviceId ? { aadDeviceId: verdict.aadDeviceId } : {}),
    serialNumber,
    baselineVersion: verdict.baselineVersion,
    sweepId,
    lastEvaluatedAt: verdict.evaluatedAt,
    health: verdict.health,
    failing: verdict.failing,
    caMismatch: verdict.caMismatch,
    ...(snapshot ? { snapshot } : {}),
    results: verdict.results.map((result) => {
      const earlier = before.get(result.ruleId);
      const firstFailedAt =
        result.outcome === 'fail'
          ? earlier?.outcome === 'fail'
            ? (earlier.firstFailedAt ?? verdict.evaluatedAt)
            : verdict.evaluatedAt
          : undefined;
      return {
        ruleId: result.ruleId,
        outcome: result.outcome,
        detail: result.detail,
        mode: result.mode,
        severity: result.severity,
        ...(result.products ? { products: result.products } : {}),
        ...(firstFailedAt ? { firstFailedAt } : {}),
        lastEvaluatedAt: verdict.evaluatedAt,
      };
    }),
  };
}

export function complianceImplementations(
  deps: ComplianceDependencies,
): ImplementationsOf<typeof complianceActivities> {
  return {
    collectFacts: async (input, context: InvocationContext): Promise<FactsRef> => {
      const tenant = await deps.tenants.active(input.tenantId);
      const apis = await deps.tenantApis(tenant);
      const blob = factsBlobName(input);
      let devices = 0;
      const stats = await withRawSnapshot(deps.facts, blob, 'application/x-ndjson', (write) =>
        collectFacts(
          {
            tenantId: tenant.id,
            graph: apis.graph,
            defender: apis.defender,
            telemetry: deps.telemetry,
            readAt: input.windowAt,
          },
          async (page) => {
            devices += page.length;
            if (page.length > 0) await write(`${page.map((facts) => JSON.stringify(facts)).join('\n')}\n`);
          },
        ),
      );
      const calls = Object.values(stats.calls).reduce((sum, count) => sum + count, 0);
      context.log(
        `compliance ${input.sweepId}: facts of ${devices} devices in ${calls} calls (telemetry: ${stats.fromTelemetry.join(', ') || 'none'})`,
      );
      return { blob, devices, calls: stats.calls, fromTelemetry: stats.fromTelemetry };
    },

    evaluateSweep: async (input, context: InvocationContext): Promise<SweepOutcome> => {
      const { tenantId, sweepId } = input;
      const tenant = await deps.tenants.get(tenantId);
      const settings = await tenantSettings(deps.store, tenant);
      const now = Date.parse(input.windowAt);
      const fleet = fleetAccumulator(deps.baseline, settings);
      const ledger = await deps.store.ledger(tenantId);
      const inLedger = new Set([...ledger.values()].map((entry) => entry.deviceId));
      // Only verdicts the plan can act on stay in memory: failing, mismatched, or with a ledger entry to resolve.
      const planned: DeviceVerdict[] = [];
      const serials = new Map<string, string>();
      let healthChanges = 0;
      for await (const chunk of factChunks(deps.facts, input.facts.blob)) {
        const previous = await deps.store.devices(
          tenantId,
          chunk.map((facts) => facts.deviceId),
        );
        const docs: DeviceResults[] = [];
        const events: DeviceEvent<{ tenantId: string }>[] = [];
        for (const facts of chunk) {
          const verdict = evaluateDevice(facts, deps.baseline, settings, now);
          fleet.add(verdict);
          const before = previous.get(facts.deviceId);
          const change = healthTransition(before?.snapshot, verdict);
          if (change) events.push(healthChangedEvent(change, facts.serialNumber, sweepId));
          docs.push(deviceResults(before, verdict, facts.serialNumber, sweepId));
          if (verdict.failing.length > 0 || verdict.caMismatch || inLedger.has(verdict.deviceId)) {
            planned.push(verdict);
            serials.set(verdict.deviceId, facts.serialNumber);
          }
        }
        // Events before the snapshots they follow from: a retry after a crash between the two republishes the
        // same ids (dropped by the topic), never loses a change.
        await sendInBatches(deps.deviceEvents, events.map(deviceEventMessage));
        await deps.store.putDevices(tenantId, docs);
        healthChanges += events.length;
      }
      const summary = fleet.summary(now);
      const plan = planRemediations({ tenantId, verdicts: planned, ledger, now }, deps.baseline, settings);
      const sentAt = deps.now();
      const serialOf = (deviceId: string): string => serials.get(deviceId) ?? deviceId;
      // Actions before the ledger that counts them: a retry re-plans the same actions (same ids, dropped).
      await sendInBatches(
        deps.remediations,
        plan.actions.map((action) => remediationMessage(action, serialOf(action.deviceId), sweepId, sentAt)),
      );
      await sendInBatches(
        deps.deviceEvents,
        plan.failures.map((failure) =>
          deviceEventMessage(
            remediationFailedEvent(failure, serialOf(failure.deviceId), sweepId, summary.evaluatedAt),
          ),
        ),
      );
      // A fleet alert goes out once a day per threshold: its id names the day, and what was sent is remembered.
      const sentAlready = await deps.store.alertsSent(
        tenantId,
        summary.alerts.map((finding) => finding.alertId),
      );
      const fleetAlerts = summary.alerts.filter((finding) => !sentAlready.has(finding.alertId));
      const alerts: ServiceBusMessage[] = [
        ...fleetAlerts.map((finding) => fleetAlertMessage(tenantId, sweepId, finding, summary.evaluatedAt)),
        ...plan.caMismatchAlerts.map((alert) =>
          caMismatchAlertMessage(alert, serialOf(alert.deviceId), sweepId, summary.evaluatedAt),
        ),
      ];
      await sendInBatches(deps.alerts, alerts);
      await deps.store.markAlertsSent(
        tenantId,
        fleetAlerts.map((finding) => finding.alertId),
        summary.evaluatedAt,
      );
      await deps.store.writeLedger(tenantId, plan.ledger, plan.resolved);
      const outcome: SweepOutcome = {
        tenantId,
        sweepId,
        baselineVersion: deps.baseline.version,
        devices: summary.devices,
        healthy: summary.healthy,
        unhealthy: summary.unhealthy,
        notReporting: summary.notReporting,
        caMismatches: summary.caMismatches,
        healthChanges,
        remediationsQueued: plan.actions.length,
        remediationsDeferred: plan.deferred,
        remediationFailures: plan.failures.length,
        alerts: alerts.length,
        graphCalls: Object.values(input.facts.calls).reduce((sum, count) => sum + count, 0),
      };
      await deps.store.putSweep({
        id: `sweep:${sweepId}`,
        tenantId,
        type: 'sweep',
        sweepId,
        windowAt: input.windowAt,
        trigger: input.trigger,
        status: 'completed',
        recordedAt: new Date(deps.now()).toISOString(),
        outcome,
        summary,
      });
      context.log(
        `compliance ${sweepId}: ${summary.devices} devices, ${summary.unhealthy} unhealthy, ${healthChanges} changes, ${plan.actions.length} remediations queued (${plan.deferred} deferred)`,
      );
      return outcome;
    },

    recordSweep: async (input) => {
      const existing = await deps.store.sweep(input.tenantId, input.sweepId);
      if (input.outcome && existing?.status === 'completed') return;
      await deps.store.putSweep({
        ...existing,
        id: `sweep:${input.sweepId}`,
        tenantId: input.tenantId,
        type: 'sweep',
        sweepId: input.sweepId,
        windowAt: input.windowAt,
        trigger: input.trigger,
        status: input.error === undefined ? 'completed' : 'failed',
        recordedAt: new Date(deps.now()).toISOString(),
        ...(input.outcome ? { outcome: input.outcome } : {}),
        ...(input.error === undefined ? {} : { error: input.error }),
      });
    },
  };
}
