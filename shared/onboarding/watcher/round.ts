import { type DurableClient } from 'durable-functions';
import { DependencyUnavailableError, ThrottledError } from '../../errors';
import { type ApiClient } from '../../platform/graph/api-client';
import { sendBatch } from '../../platform/graph/batch';
import { odataString, segment } from '../../platform/graph/odata';
import { retryAfterMs } from '../../platform/graph/retry-strategy';
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
import { nextDelay } from './pacing';
import { type WaitDocument, type WaitStore } from './wait-store';

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
}

/** The one managed device GET (`$select=id,hardwareInformation`) that carries the TPM; a list carries defaults. */
interface HardwareRow {
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
 * TPM reads a round makes at most (one GET each, 20 to a `$batch`). Intune allows 1,000 requests per 20 s per app and
 * tenant and throttles each request of a batch on its own: a round of 2,000 devices turning to BitLocker at once
 * spends half of that window on TPMs, and reads the rest in its next rounds.
 */
const tpmReadsPerRound = 500;
/** A round never sleeps inside a call: what is throttled is read again next round, after its Retry-After. */
const noRetries = {
  maxRetries: 0,
  retries: false,
  tuning: { baseDelayMs: 0, maxDelayMs: 0, maxRetryAfterMs: 0 },
};

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
  let retryAfter: number | undefined;
  const throttled = (ms: number | undefined) => {
    degraded = true;
    if (ms !== undefined) retryAfter = Math.max(retryAfter ?? 0, ms);
  };
  /** A throttled or failing source is skipped this round (undefined); its Retry-After paces the next round. */
  const unlessUnavailable = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      if (error instanceof ThrottledError) throttled(error.retryAfterMs);
      else if (error instanceof DependencyUnavailableError) degraded = true;
      else throw error;
      return undefined;
    }
  };
  const listAll = <T>(api: ApiClient, path: string, options: { headers?: Record<string, string> } = {}) =>
    unlessUnavailable(async () => {
      const rows: T[] = [];
      for await (const page of api.pages<T>(path, { ...options, retries: false })) {
        pages++;
        rows.push(...page);
      }
      return rows;
    });

  /** Each device's `hardwareInformation` by its own GET, 20 to a `$batch`; a throttled answer is unread. */
  const tpmOf = async (toRead: WaitDocument[]): Promise<Map<WaitDocument, boolean>> => {
    const found = new Map<WaitDocument, boolean>();
    if (toRead.length === 0) return found;
    const answers = await unlessUnavailable(() =>
      sendBatch(
        apis.graph,
        toRead.map((w, i) => ({
          id: String(i),
          method: 'GET' as const,
          url: `/deviceManagement/managedDevices/${segment(w.device!.managedDeviceId)}?$select=id,hardwareInformation`,
        })),
        { version: 'beta', ...noRetries },
      ),
    );
    for (const [i, answer] of (answers ?? []).entries()) {
      if (answer.status === 200) {
        const row = answer.body as HardwareRow | undefined;
        found.set(toRead[i]!, Boolean(row?.hardwareInformation?.tpmSpecificationVersion));
      } else if (answer.status === 429) {
        throttled(retryAfterMs({ get: (name) => headerOf(answer.headers, name) }));
      }
    }
    return found;
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
      // The next round lists again and imports only what did not land.
      if (
        toImport.length > 0 &&
        (await unlessUnavailable(() =>
          importIdentities(
            apis.graph,
            toImport.map((w) => ({ serialNumber: w.serialNumber, ...w.import! })),
          ),
        )) !== undefined
      )
        imported = toImport.length;
      if (needsSync) await requestAutopilotSync(apis.graph).catch(() => (degraded = true));
    }
  }

  const enrollmentWaits = byKind.enrollment ?? [];
  const encryptionWaits = byKind.encryption ?? [];
  if (enrollmentWaits.length + encryptionWaits.length > 0) {
    const managed = await listAll<ManagedDeviceRow>(
      apis.graph,
      '/beta/deviceManagement/managedDevices?$select=id,serialNumber,azureADDeviceId,isEncrypted&$top=999',
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
      const listed = encryptionWaits.filter((w) => w.device && byId.has(w.device.managedDeviceId));
      // The TPM does not change: read once per wait (batched), kept on the wait; unread this round, unreported.
      const tpm = await tpmOf(listed.filter((w) => w.tpmPresent === undefined).slice(0, tpmReadsPerRound));
      const states = new Map<WaitDocument, EncryptionState>();
      for (const wait of listed) {
        const tpmPresent = wait.tpmPresent ?? tpm.get(wait);
        if (tpmPresent === undefined) continue;
        states.set(wait, {
          encrypted: byId.get(wait.device!.managedDeviceId)!.isEncrypted === true,
          tpmPresent,
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
    const machines = await listAll<MachineRow>(apis.defender, '/api/machines?$top=10000');
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
      ? await listAll<AvInfoRow>(apis.defender, '/api/deviceavinfo?$top=10000')
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
        await waits.markReported(
          wait,
          stable(state),
          state.kind === 'encryption' ? { tpmPresent: state.encryption.tpmPresent } : {},
        );
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
    ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
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

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  return Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
}
