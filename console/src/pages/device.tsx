import { type Answer } from '../api';
import { href } from '../router';
import { DeviceRules } from './compliance';
import { duration, Loaded, offers, PageTitle, type Session, StatusBadge, time, useLoad } from '../ui';

type Device = Answer<'getDevice'>;
type Step = NonNullable<Device['onboarding']>['steps'][number];

/** One device: its security state, its onboarding timeline step by step, and its latest telemetry. */
export function DevicePage(props: { session: Session; tenantId: string; serialNumber: string }) {
  const { session, tenantId, serialNumber } = props;
  const load = useLoad(
    (signal) =>
      session.api.get('getDevice', `tenants/${tenantId}/devices/${encodeURIComponent(serialNumber)}`, signal),
    [tenantId, serialNumber],
  );
  return (
    <Loaded load={load}>
      {(device) => (
        <section>
          <p class="crumbs">
            <a href={href(`tenants/${tenantId}`)}>Back to the tenant</a>
          </p>
          <PageTitle>Device {device.serialNumber}</PageTitle>
          <div class="cards">
            <div class="card">
              <span class="label">Health</span>
              <StatusBadge status={device.health} />
            </div>
            <div class="card">
              <span class="label">Update ring</span>
              <strong>{device.updateRing ?? '—'}</strong>
            </div>
            <div class="card">
              <span class="label">BitLocker</span>
              <span>
                {device.security.encryption
                  ? `${device.security.encryption.encrypted ? 'encrypted' : 'not encrypted'}, key ${device.security.encryption.recoveryKeyEscrowed ? 'escrowed' : 'not escrowed'}`
                  : 'not observed'}
              </span>
            </div>
            <div class="card">
              <span class="label">Defender</span>
              <span>
                {device.security.defender
                  ? `${device.security.defender.active ? 'active' : 'inactive'}, signatures ${device.security.defender.signaturesCurrent ? 'current' : 'out of date'}`
                  : 'not observed'}
              </span>
            </div>
          </div>
          <Timeline onboarding={device.onboarding} />
          {offers(session, 'getDeviceCompliance') && (
            <DeviceRules session={session} tenantId={tenantId} serialNumber={serialNumber} />
          )}
          <TelemetryView telemetry={device.telemetry} />
        </section>
      )}
    </Loaded>
  );
}

function Timeline(props: { onboarding: Device['onboarding'] }) {
  const onboarding = props.onboarding;
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Onboarding timeline</h2>
      {!onboarding ? (
        <p>No onboarding record.</p>
      ) : (
        <>
          <p>
            <StatusBadge status={onboarding.status} /> {onboarding.reason && <code>{onboarding.reason}</code>}{' '}
            order <code>{onboarding.orderId}</code>, from {time(onboarding.startedAt)} to{' '}
            {time(onboarding.endedAt)} ({duration(onboarding.startedAt, onboarding.endedAt)})
          </p>
          {onboarding.detail && <p>{onboarding.detail}</p>}
          <ol class="timeline">
            {onboarding.steps.map((step: Step) => (
              <li key={step.step} class={`step ${step.outcome}`}>
                <span class="step-name">{step.step}</span>
                <StatusBadge status={step.outcome} />
                <span class="step-time">
                  {time(step.startedAt)} → {time(step.endedAt)} · {duration(step.startedAt, step.endedAt)}
                </span>
                {step.detail && <span class="step-detail">{step.detail}</span>}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function TelemetryView(props: { telemetry: Device['telemetry'] }) {
  const sources = Object.entries(props.telemetry?.sources ?? {});
  return (
    <section aria-labelledby="device-telemetry-title">
      <h2 id="device-telemetry-title">Telemetry</h2>
      {sources.length === 0 ? (
        <p>No telemetry of this device yet.</p>
      ) : (
        sources.map(([source, entries]) => (
          <details key={source}>
            <summary>
              {source}: {entries.length} snapshot{entries.length === 1 ? '' : 's'}, latest as of{' '}
              {time(entries[0]?.asOf)}
            </summary>
            <pre>{JSON.stringify(entries[0]?.data, null, 2)}</pre>
          </details>
        ))
      )}
    </section>
  );
}
