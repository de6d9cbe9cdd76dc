import { type DurableClient } from 'durable-functions';
import { DependencyUnavailableError, ThrottledError } from '../../errors';
import { type ApiClient } from '../../platform/graph/api-client';
import { odataString } from '../../platform/graph/odata';
import { type TenantApis } from '../../platform/graph/tenant-clients';
import {
  type DefenderState,
  type DeviceStateEvent,
  deviceStateEventName,
  type EncryptionState,
  type ObservedState,
  type WaitKind,
  type WatchRoundSummary,
} from '../contract';
import {
  importIdentities,
  importStatusOf,
  type ListedAutopilotDevice,
  type ListedImport,
  requestAutopilotSync,
} from '../steps/autopilot';
import { type WaitDocument, type WaitStore } from './wait-store';

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;

/**
 * How often a round runs: as often as the fastest kind of wait asks, never more often than its reads are worth
 * (`perPageMs` of pause per listing page read), slower while nothing changes, and slower still once every wait is
 * old (a device stuck for a day is looked at every few hours, like the old per-device polling did).
 */
export const watchPacing = {
  fastestMs: { import: 1 * minute, enrollment: 5 * minute, encryption: 2 * minute, defender: 2 * minute },
  perPageMs: 15 * second,
  quietFactor: 2,
  maxMs: 15 * minute,
  maxAfterTwoHoursMs: 1 * hour,
  maxAfterADayMs: 6 * hour,
} as const satisfies { fastestMs: Record<WaitKind, number> } & Record<string, unknown>;

export interface RoundDeps {
  waits: WaitStore;
  apis: TenantApis;
  client: DurableClient;
}

interface ManagedDeviceRow {
  id: string;
  serialNumber: string;
  azureADDeviceId?: string | null;
  isEncrypted?: boolean;
  hardwareInformation?: { tpmSpecificationVersion?: string | null } | null;
}

interface MachineRow {
  id: string;
  aadDeviceId?: string | null;
  onboardingStatus?: string;
  healthStatus?: string;
}

interface AvInfoRow {
  machineId: string;
  avIsSignatureUpToDate?: string;
  avSignatureVersion?: string;
}

/** Entra writes an all-zero id for a device that has not joined yet. */
const unjoined = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;
/** The BitLocker recovery key API refuses calls without these headers. */
const recoveryKeyHeaders = { 'ocp-client-name': 'managed-desktop-security', 'ocp-client-version': '1.0' };
const upper = (s: string) => s.toUpperCase();

/**
 * One round of a tenant's watcher: every wait of the tenant from Cosmos, each state they wait on from Graph's and
 * Defender's bulk listings (only the listings some wait needs), the imports still to do in one call, and an
 * external event to each device whose state changed since the last event it was sent. Its cost is a function of
 * listing pages, not of devices. A listing that stays throttled or down is skipped this round (`degraded`), so a
 * throttled tenant slows the watcher instead of failing it; devices' own deadline timers do not depend on it.
 */
export async function watchRound(
  deps: RoundDeps,
  input: { tenantId: string; lastDelayMs: number; now: string },
): Promise<WatchRoundSummary> {
  const { waits, apis, client } = deps;
  const all: WaitDocument[] = [];
  for await (const page of waits.pages(input.tenantId)) all.push(...page);
  const byKind: Partial<Record<WaitKind, WaitDocument[]>> = {};
  for (const wait of all) (byKind[wait.kind] ??= []).push(wait);

  let pages = 0;
  let degraded = false;
  const listAll = async <T>(
    api: ApiClient,
    path: string,
    options: { headers?: Record<string, string>; retries?: boolean } = {},
  ) => {
    try {
      const rows: T[] = [];
      // Graph listings do not sleep on Retry-After inside a round: a throttled one is read again next round.
      // Defender's two calls a round do (`retries: true`): its windows are a minute long, its answers few.
      for await (const page of api.pages<T>(path, { ...options, retries: options.retries ?? false })) {
        pages++;
        rows.push(...page);
      }
      return rows;
    } catch (error) {
      if (error instanceof ThrottledError || error instanceof DependencyUnavailableError) {
        degraded = true;
        return undefined;
      }
      throw error;
    }
  };

  const observed = new Map<WaitDocument, ObservedState>();
  let imported = 0;

  const importWaits = byKind.import ?? [];
  if (importWaits.length > 0) {
    const [identities, registered] = await Promise.all([
      listAll<ListedImport>(
        apis.graph,
        '/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities?$top=999',
      ),
      listAll<ListedAutopilotDevice>(
        apis.graph,
        '/beta/deviceManagement/windowsAutopilotDeviceIdentities?$top=999&$select=id,serialNumber,azureActiveDirectoryDeviceId',
      ),
    ]);
    if (identities && registered) {
      const identityBySerial = new Map(identities.map((i) => [upper(i.serialNumber), i]));
      const deviceBySerial = new Map(registered.map((d) => [upper(d.serialNumber), d]));
      const toImport: WaitDocument[] = [];
      let needsSync = false;
      for (const wait of importWaits) {
        const serial = upper(wait.serialNumber);
        const found = importStatusOf(identityBySerial.get(serial), deviceBySerial.get(serial));
        if (!found) {
          if (wait.import) toImport.push(wait);
          continue;
        }
        needsSync ||= found.needsSync;
        observed.set(wait, { kind: 'import', status: found.status });
      }
      if (toImport.length > 0) {
        try {
          await importIdentities(
            apis.graph,
            toImport.map((w) => ({ serialNumber: w.serialNumber, ...w.import! })),
          );
          imported = toImport.length;
        } catch (error) {
          // The next round lists again and imports only what did not land.
          if (!(error instanceof ThrottledError || error instanceof DependencyUnavailableError)) throw error;
          degraded = true;
        }
      }
      if (needsSync) await requestAutopilotSync(apis.graph).catch(() => (degraded = true));
    }
  }

  const enrollmentWaits = byKind.enrollment ?? [];
  const encryptionWaits = byKind.encryption ?? [];
  if (enrollmentWaits.length + encryptionWaits.length > 0) {
    const managed = await listAll<ManagedDeviceRow>(
      apis.graph,
      '/beta/deviceManagement/managedDevices?$select=id,serialNumber,azureADDeviceId,isEncrypted,hardwareInformation&$top=999',
    );
    if (managed) {
      const bySerial = new Map<string, ManagedDeviceRow>();
      for (const row of managed) {
        const joined = row.azureADDeviceId && !unjoined.test(row.azureADDeviceId);
        if (joined || !bySerial.has(upper(row.serialNumber))) bySerial.set(upper(row.serialNumber), row);
      }
      for (const wait of enrollmentWaits) {
        const row = bySerial.get(upper(wait.serialNumber));
        if (row?.azureADDeviceId && !unjoined.test(row.azureADDeviceId))
          observed.set(wait, {
            kind: 'enrollment',
            enrollment: { enrolled: true, managedDeviceId: row.id, azureADDeviceId: row.azureADDeviceId },
          });
      }
      const byId = new Map(managed.map((row) => [row.id, row]));
      const states = new Map<WaitDocument, EncryptionState>();
      for (const wait of encryptionWaits) {
        const row = wait.device && byId.get(wait.device.managedDeviceId);
        if (!row) continue;
        states.set(wait, {
          encrypted: row.isEncrypted === true,
          tpmPresent: Boolean(row.hardwareInformation?.tpmSpecificationVersion),
          recoveryKeyEscrowed: false,
        });
      }
      // Keys follow encryption: ask only about encrypted devices, by device while that is cheaper than the listing.
      const keyed = [...states].filter(([, s]) => s.encrypted).map(([w]) => w);
      const listingPages = Math.max(1, Math.ceil(managed.length / 100));
      let escrowed: Set<string> | undefined;
      if (keyed.length > listingPages) {
        const keys = await listAll<{ deviceId: string }>(
          apis.graph,
          '/v1.0/informationProtection/bitlocker/recoveryKeys',
          { headers: recoveryKeyHeaders },
        );
        escrowed = keys && new Set(keys.map((k) => k.deviceId));
      } else if (keyed.length > 0) {
        const found = await Promise.all(
          keyed.map((w) =>
            listAll<{ deviceId: string }>(
              apis.graph,
              `/v1.0/informationProtection/bitlocker/recoveryKeys?$filter=deviceId eq ${odataString(w.device!.azureADDeviceId)}`,
              { headers: recoveryKeyHeaders },
            ),
          ),
        );
        if (found.every(Boolean)) escrowed = new Set(found.flatMap((rows) => rows!.map((k) => k.deviceId)));
      }
      for (const [wait, state] of states) {
        if (state.encrypted && !escrowed) continue; // keys unread this round: say nothing rather than wrong
        observed.set(wait, {
          kind: 'encryption',
          encryption: { ...state, recoveryKeyEscrowed: escrowed?.has(wait.device!.azureADDeviceId) ?? false },
        });
      }
    }
  }

  const defenderWaits = byKind.defender ?? [];
  if (defenderWaits.length > 0) {
    const machines = await listAll<MachineRow>(apis.defender, '/api/machines?$top=10000', { retries: true });
    const byAad = new Map<string, MachineRow>();
    for (const m of machines ?? []) {
      if (!m.aadDeviceId) continue;
      const id = m.aadDeviceId.toLowerCase();
      if (!byAad.has(id) || m.onboardingStatus === 'Onboarded') byAad.set(id, m);
    }
    // Definitions matter once a waiting device's machine is onboarded; `deviceavinfo` allows 30 calls a minute.
    const anyOnboarded = defenderWaits.some(
      (w) => w.device && byAad.get(w.device.azureADDeviceId.toLowerCase())?.onboardingStatus === 'Onboarded',
    );
    const avInfo = anyOnboarded
      ? await listAll<AvInfoRow>(apis.defender, '/api/deviceavinfo?$top=10000', { retries: true })
      : [];
    if (machines && avInfo) {
      const avByMachine = new Map(avInfo.map((row) => [row.machineId, row]));
      for (const wait of defenderWaits) {
        if (!wait.device) continue;
        const machine = byAad.get(wait.device.azureADDeviceId.toLowerCase());
        const av = machine && avByMachine.get(machine.id);
        const state: DefenderState = {
          onboarded: machine?.onboardingStatus === 'Onboarded',
          active: machine?.healthStatus === 'Active',
          signaturesCurrent: av?.avIsSignatureUpToDate === 'True',
          ...(av?.avSignatureVersion ? { signatureVersion: av.avSignatureVersion } : {}),
        };
        observed.set(wait, { kind: 'defender', defender: state });
      }
    }
  }

  let raised = 0;
  const changed = [...observed].filter(
    ([wait, state]) => worthRaising(state) && stable(state) !== wait.reported,
  );
  for (let i = 0; i < changed.length; i += 20) {
    await Promise.all(
      changed.slice(i, i + 20).map(async ([wait, state]) => {
        const event: DeviceStateEvent = { waitId: wait.waitId, observed: state };
        try {
          await client.raiseEvent(wait.instanceId, deviceStateEventName(wait.waitId), event);
        } catch (error) {
          // The device's orchestration is gone (ended, purged): its wait is stale.
          if (error instanceof Error && /HTTP (404|410)/.test(error.message)) {
            await waits.remove(wait.tenantId, wait.serialNumber);
            return;
          }
          throw error;
        }
        raised++;
        await waits.markReported(wait, stable(state));
      }),
    );
  }

  const kinds = Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, v.length]));
  const summary: WatchRoundSummary = {
    waiting: all.length,
    byKind: kinds,
    raised,
    imported,
    pages,
    degraded,
    nextDelayMs: 0,
  };
  summary.nextDelayMs = nextDelay(summary, all, input.lastDelayMs, new Date(input.now));
  return summary;
}

/** Waiting for an import or an enrollment, only the end of the wait is news; health states are news on change. */
function worthRaising(state: ObservedState): boolean {
  if (state.kind === 'import') return state.status.state !== 'pending';
  if (state.kind === 'enrollment') return state.enrollment.enrolled;
  return true;
}

function stable(state: ObservedState): string {
  return JSON.stringify(state, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
}

export function nextDelay(
  summary: Pick<WatchRoundSummary, 'byKind' | 'raised' | 'imported' | 'pages' | 'degraded'>,
  waits: Pick<WaitDocument, 'since'>[],
  lastDelayMs: number,
  now: Date,
): number {
  const kinds = Object.keys(summary.byKind) as WaitKind[];
  if (kinds.length === 0) return watchPacing.fastestMs.import;
  const fastest = Math.min(...kinds.map((k) => watchPacing.fastestMs[k]));
  const youngest = Math.max(...waits.map((w) => Date.parse(w.since)));
  const age = now.getTime() - youngest;
  const max =
    age > 24 * hour
      ? watchPacing.maxAfterADayMs
      : age > 2 * hour
        ? watchPacing.maxAfterTwoHoursMs
        : watchPacing.maxMs;
  const quiet = summary.raised === 0 && summary.imported === 0;
  let delay = quiet || summary.degraded ? Math.max(fastest, lastDelayMs * watchPacing.quietFactor) : fastest;
  delay = Math.max(delay, summary.pages * watchPacing.perPageMs);
  return Math.min(delay, Math.max(max, fastest));
}
