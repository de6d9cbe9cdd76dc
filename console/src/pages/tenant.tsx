import { useState } from 'preact/hooks';
import { deviceHealthStates } from '../../../shared/domain/device-health';
import { type Answer } from '../api';
import { Bars } from '../chart';
import { href } from '../router';
import {
  Action,
  DataTable,
  hasRole,
  offers,
  Loaded,
  PageTitle,
  Pager,
  type Session,
  StatusBadge,
  time,
  useLoad,
  usePages,
} from '../ui';
import { TenantCompliance } from './compliance';
import { healthScore } from './fleet';

type Tenant = Answer<'getTenant'>;
type DevicePage = Answer<'listDevices'>;

const pageSize = 25;

/** One tenant: summary, ring distribution, telemetry freshness and its devices, filtered and paged. */
export function TenantPage(props: { session: Session; tenantId: string }) {
  const { session, tenantId } = props;
  const tenant = useLoad((signal) => session.api.get('getTenant', `tenants/${tenantId}`, signal), [tenantId]);
  return (
    <Loaded load={tenant}>
      {(value) => (
        <section>
          <PageTitle>{value.displayName}</PageTitle>
          <TenantSummary tenant={value} session={session} reload={tenant.reload} />
          <div class="columns">
            <Bars
              title="Devices by update ring"
              items={Object.entries(value.updateRings).map(([ring, count]) => ({ label: ring, count }))}
            />
            <Bars
              title="Onboarding failures by reason"
              items={Object.entries(value.onboardings.failedBy).map(([reason, count]) => ({
                label: reason,
                count,
              }))}
            />
          </div>
          {offers(session, 'getCompliance') && <TenantCompliance session={session} tenantId={tenantId} />}
          <TelemetryTable session={session} tenantId={tenantId} />
          <Devices session={session} tenantId={tenantId} rings={Object.keys(value.updateRings)} />
        </section>
      )}
    </Loaded>
  );
}

function TenantSummary(props: { tenant: Tenant; session: Session; reload: () => void }) {
  const { tenant, session } = props;
  const score = healthScore(tenant.devices);
  return (
    <div class="cards">
      <div class="card">
        <span class="label">Status</span>
        <StatusBadge status={tenant.status} />
        {hasRole(session.me, 'Tenants.Manage') &&
          (tenant.status === 'suspended' ? (
            <Action
              label="Resume tenant"
              session={session}
              act={() => session.api.call('POST', `tenants/${tenant.id}/resume`)}
              done={props.reload}
            />
          ) : (
            <Action
              label="Suspend tenant"
              variant="danger"
              confirm={`Suspend ${tenant.displayName}? Its webhooks are refused and its activities stop.`}
              session={session}
              act={() => session.api.call('POST', `tenants/${tenant.id}/suspend`)}
              done={props.reload}
            />
          ))}
      </div>
      <div class="card">
        <span class="label">Health score</span>
        <strong>{score === undefined ? '—' : `${score}%`}</strong>
        <span>
          {tenant.devices.healthy} healthy · {tenant.devices.unhealthy} unhealthy · {tenant.devices.unknown}{' '}
          unknown
        </span>
      </div>
      <div class="card">
        <span class="label">Onboardings</span>
        <strong>{tenant.onboardings.total}</strong>
        <span>
          {tenant.onboardings.onboarded} onboarded · {tenant.onboardings.failed} failed
        </span>
      </div>
    </div>
  );
}

function TelemetryTable(props: { session: Session; tenantId: string }) {
  const load = useLoad(
    (signal) => props.session.api.get('getTelemetry', `tenants/${props.tenantId}/telemetry`, signal),
    [props.tenantId],
  );
  return (
    <section aria-labelledby="telemetry-title">
      <h2 id="telemetry-title">Telemetry freshness</h2>
      <Loaded load={load}>
        {(telemetry) => (
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Cadence</th>
                <th scope="col">Freshness</th>
                <th scope="col">Last success</th>
                <th scope="col">As of</th>
                <th scope="col">Rows</th>
                <th scope="col">Failures in a row</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {telemetry.sources.map((source) => (
                <tr key={source.source}>
                  <th scope="row">{source.source}</th>
                  <td>{source.cadence}</td>
                  <td>
                    <StatusBadge status={source.freshness} />
                  </td>
                  <td>{time(source.lastSuccessAt)}</td>
                  <td>{time(source.asOf)}</td>
                  <td>{source.rows ?? '—'}</td>
                  <td>{source.consecutiveFailures}</td>
                  <td>{source.lastError ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}

function Devices(props: { session: Session; tenantId: string; rings: string[] }) {
  const [health, setHealth] = useState('');
  const [ring, setRing] = useState('');
  const pages = usePages();
  const token = pages.token;
  const load = useLoad(
    (signal) => {
      const query = new URLSearchParams({ pageSize: String(pageSize) });
      if (health) query.set('health', health);
      if (ring) query.set('ring', ring);
      if (token) query.set('continuationToken', token);
      return props.session.api.get('listDevices', `tenants/${props.tenantId}/devices?${query}`, signal);
    },
    [props.tenantId, health, ring, token],
  );
  const filter = (set: (value: string) => void) => (event: Event) => {
    set((event.currentTarget as HTMLSelectElement).value);
    pages.reset();
  };
  return (
    <section aria-labelledby="devices-title">
      <h2 id="devices-title">Devices</h2>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Health
          <select value={health} onChange={filter(setHealth)}>
            <option value="">any</option>
            {deviceHealthStates.map((state) => (
              <option key={state}>{state}</option>
            ))}
          </select>
        </label>
        <label>
          Update ring
          <select value={ring} onChange={filter(setRing)}>
            <option value="">any</option>
            {props.rings.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
      </form>
      <Loaded load={load}>
        {(page: DevicePage) => (
          <>
            <DataTable
              columns={['Serial number', 'Health', 'Onboarding', 'Ring', 'BitLocker', 'Defender', 'Updated']}
              empty="No devices match."
              count={page.items.length}
            >
              {page.items.map((device) => (
                <tr key={device.serialNumber}>
                  <th scope="row">
                    <a
                      href={href(
                        `tenants/${props.tenantId}/devices/${encodeURIComponent(device.serialNumber)}`,
                      )}
                    >
                      {device.serialNumber}
                    </a>
                  </th>
                  <td>
                    <StatusBadge status={device.health} />
                  </td>
                  <td>{device.onboardingStatus}</td>
                  <td>{device.updateRing ?? '—'}</td>
                  <td>
                    {device.security.encryption
                      ? device.security.encryption.encrypted
                        ? 'encrypted'
                        : 'not encrypted'
                      : '—'}
                  </td>
                  <td>
                    {device.security.defender
                      ? device.security.defender.active
                        ? 'active'
                        : 'inactive'
                      : '—'}
                  </td>
                  <td>{time(device.updatedAt)}</td>
                </tr>
              ))}
            </DataTable>
            <Pager label="Device pages" pages={pages} continuationToken={page.continuationToken} />
          </>
        )}
      </Loaded>
    </section>
  );
}
