import { type Answer } from '../api';
import { TimeChart } from '../chart';
import { passRateSeries } from './compliance';
import { href } from '../router';
import { Badge, Loaded, offers, PageTitle, type Session, StatusBadge, time, useLoad } from '../ui';

type Tenant = Answer<'listTenants'>['tenants'][number];
type Telemetry = Answer<'getTelemetry'>;
type Compliance = Answer<'getCompliance'>;
type Drift = Answer<'listDrift'>;

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
  // Columns for what this API offers: an API without sweeps or drift shows no such column.
  const compliant = offers(props.session, 'getCompliance');
  const drifting = offers(props.session, 'listDrift');
  const load = useLoad(
    async (signal) => {
      const { tenants } = await api.get('listTenants', 'tenants', signal);
      // Each tenant's views side by side; one that fails shows as unknown in its cell, not as a failed page.
      return Promise.all(
        tenants.map(async (tenant) => {
          const [telemetry, compliance, drift] = await Promise.all([
            api.get('getTelemetry', `tenants/${tenant.id}/telemetry`, signal).catch(() => undefined),
            compliant
              ? api
                  .get('getCompliance', `tenants/${tenant.id}/compliance?trend=12`, signal)
                  .catch(() => undefined)
              : undefined,
            drifting
              ? api
                  .get('listDrift', `tenants/${tenant.id}/drift?status=new&pageSize=500`, signal)
                  .catch(() => undefined)
              : undefined,
          ]);
          return { tenant, telemetry, compliance, drift };
        }),
      );
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
                  {compliant && <th scope="col">Failing rules</th>}
                  {drifting && <th scope="col">Open drift</th>}
                  <th scope="col">Telemetry</th>
                  <th scope="col">Last telemetry</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ tenant, telemetry, compliance, drift }) => {
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
                      {compliant && (
                        <td>
                          <FailingRules compliance={compliance} />
                        </td>
                      )}
                      {drifting && (
                        <td>
                          <OpenDrift drift={drift} />
                        </td>
                      )}
                      <td>
                        <Badge tone={fresh.tone}>{fresh.text}</Badge>
                      </td>
                      <td>{time(last)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {compliant && (
              <FleetTrend summaries={rows.flatMap((row) => (row.compliance ? [row.compliance] : []))} />
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}

function FailingRules(props: { compliance: Compliance | undefined }) {
  if (!props.compliance) return <>unknown</>;
  if (!props.compliance.lastSweep) return <>no sweep yet</>;
  const failing = props.compliance.rules.filter((rule) => rule.fail > 0);
  if (failing.length === 0) return <Badge tone="good">none</Badge>;
  return (
    <Badge tone="bad">
      <span title={failing.map((rule) => rule.title).join(', ')}>
        {failing.length} of {props.compliance.rules.length}
      </span>
    </Badge>
  );
}

function OpenDrift(props: { drift: Drift | undefined }) {
  if (!props.drift) return <>unknown</>;
  const count = `${props.drift.items.length}${props.drift.continuationToken ? '+' : ''}`;
  return <Badge tone={props.drift.items.length === 0 ? 'good' : 'warn'}>{count}</Badge>;
}

/** Compliance per rule over the last sweeps, across the tenants in scope (weighted by their devices). */
function FleetTrend(props: { summaries: Compliance[] }) {
  const { times, series } = passRateSeries(props.summaries);
  if (times.length === 0) return <p>No compliance sweep has run in your tenants yet.</p>;
  return (
    <TimeChart
      title="Compliance per rule over sweeps, all tenants in scope"
      unit="% passing"
      times={times}
      series={series}
    />
  );
}
