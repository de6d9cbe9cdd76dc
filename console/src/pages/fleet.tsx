import { type Answer } from '../api';
import { href } from '../router';
import { Badge, Loaded, PageTitle, type Session, StatusBadge, time, useLoad } from '../ui';

type Tenant = Answer<'listTenants'>['tenants'][number];
type Telemetry = Answer<'getTelemetry'>;

/** Share of a tenant's devices that are healthy, in percent; undefined without devices. */
export function healthScore(devices: Tenant['devices']): number | undefined {
  return devices.total === 0 ? undefined : Math.round((devices.healthy / devices.total) * 100);
}

function freshness(telemetry: Telemetry | undefined): { tone: 'good' | 'warn' | 'bad'; text: string } {
  if (!telemetry) return { tone: 'warn', text: 'unknown' };
  const stale = telemetry.sources.filter((source) => source.freshness !== 'fresh');
  if (stale.length === 0) return { tone: 'good', text: `all ${telemetry.sources.length} fresh` };
  const never = stale.filter((source) => source.freshness === 'never').length;
  return {
    tone: never === telemetry.sources.length ? 'bad' : 'warn',
    text: `${telemetry.sources.length - stale.length} of ${telemetry.sources.length} fresh`,
  };
}

/** Every tenant in the operator's scope at a glance: status, health, onboarding outcomes, telemetry freshness. */
export function FleetPage(props: { session: Session }) {
  const { api } = props.session;
  const load = useLoad(
    async (signal) => {
      const { tenants } = await api.get('listTenants', 'tenants', signal);
      const telemetry = await Promise.all(
        tenants.map((tenant) =>
          api.get('getTelemetry', `tenants/${tenant.id}/telemetry`, signal).catch(() => undefined),
        ),
      );
      return tenants.map((tenant, index) => ({ tenant, telemetry: telemetry[index] }));
    },
    [],
    60_000,
  );
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Fleet overview</PageTitle>
      <Loaded load={load}>
        {(rows) => (
          <>
            <p class="summary">
              {rows.length} tenant{rows.length === 1 ? '' : 's'} in your scope ·{' '}
              {rows.reduce((sum, row) => sum + row.tenant.devices.total, 0)} devices
            </p>
            <table class="data">
              <caption class="visually-hidden">Tenants in your scope</caption>
              <thead>
                <tr>
                  <th scope="col">Tenant</th>
                  <th scope="col">Status</th>
                  <th scope="col">Health score</th>
                  <th scope="col">Devices</th>
                  <th scope="col">Onboarded</th>
                  <th scope="col">Onboarding failed</th>
                  <th scope="col">Unhealthy</th>
                  <th scope="col">Telemetry</th>
                  <th scope="col">Last telemetry</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ tenant, telemetry }) => {
                  const score = healthScore(tenant.devices);
                  const fresh = freshness(telemetry);
                  const last = telemetry?.sources
                    .map((source) => source.lastSuccessAt)
                    .filter((at): at is string => at !== null)
                    .sort()
                    .at(-1);
                  return (
                    <tr key={tenant.id} data-tenant={tenant.id}>
                      <th scope="row">
                        <a href={href(`tenants/${tenant.id}`)}>{tenant.displayName}</a>
                      </th>
                      <td>
                        <StatusBadge status={tenant.status} />
                      </td>
                      <td>
                        {score === undefined ? (
                          '—'
                        ) : (
                          <Badge tone={score >= 90 ? 'good' : score >= 70 ? 'warn' : 'bad'}>{score}%</Badge>
                        )}
                      </td>
                      <td>{tenant.devices.total}</td>
                      <td>{tenant.devices.onboarded}</td>
                      <td>{tenant.devices.failed}</td>
                      <td>{tenant.devices.unhealthy}</td>
                      <td>
                        <Badge tone={fresh.tone}>{fresh.text}</Badge>
                      </td>
                      <td>{time(last)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        )}
      </Loaded>
    </section>
  );
}
