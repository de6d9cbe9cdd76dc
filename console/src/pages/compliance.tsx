import { useState } from 'preact/hooks';
import { type Answer, ApiProblem } from '../api';
import { type Series, TimeChart } from '../chart';
import { Action, Badge, hasRole, Loaded, offers, type Session, StatusBadge, time, useLoad } from '../ui';

type Compliance = Answer<'getCompliance'>;
type Sweep = Answer<'getSweep'>;
type Started = Answer<'startSweep'>;

/** The 4-hour window a sweep judged (its id ends with it), so that sweeps of several tenants line up. */
export function sweepWindow(sweepId: string): number {
  return Date.parse(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.exec(sweepId)?.[0] ?? '');
}

/** Pass rate per rule over sweeps, in percent, one series per rule; several tenants weighted by their devices. */
export function passRateSeries(summaries: Compliance[]): { times: number[]; series: Series[] } {
  const titles = new Map<string, string>();
  for (const summary of summaries) for (const rule of summary.rules) titles.set(rule.ruleId, rule.title);
  const windows = [
    ...new Set(summaries.flatMap((s) => s.trend.map((point) => sweepWindow(point.sweepId)))),
  ].sort((a, b) => a - b);
  const series = [...titles].map(([ruleId, title]) => ({
    label: title,
    values: windows.map((window) => {
      let weighted = 0;
      let devices = 0;
      for (const summary of summaries) {
        const point = summary.trend.find((p) => sweepWindow(p.sweepId) === window);
        const rate = point?.passRates[ruleId];
        if (!point || rate === null || rate === undefined) continue;
        const count = point.healthy + point.unhealthy + point.notReporting;
        weighted += rate * count;
        devices += count;
      }
      return devices === 0 ? null : Math.round((weighted / devices) * 1000) / 10;
    }),
  }));
  return { times: windows, series };
}

/** The tenant's last sweep: health counts, each rule's results, the trend as a chart, and a sweep run on demand. */
export function TenantCompliance(props: { session: Session; tenantId: string }) {
  const { session, tenantId } = props;
  const load = useLoad(
    (signal) => session.api.get('getCompliance', `tenants/${tenantId}/compliance?trend=24`, signal),
    [tenantId],
  );
  return (
    <section aria-labelledby="compliance-title">
      <h2 id="compliance-title">Compliance</h2>
      {hasRole(session.me, 'Fleet.Operate') && offers(session, 'startSweep', 'getSweep') && (
        <RunSweep session={session} tenantId={tenantId} finished={load.reload} />
      )}
      <Loaded load={load}>
        {(compliance) =>
          !compliance.lastSweep ? (
            <p>No sweep has judged this tenant yet.</p>
          ) : (
            <>
              <p class="summary" data-testid="last-sweep">
                Last sweep {time(compliance.lastSweep.evaluatedAt)} (baseline{' '}
                {compliance.baselineVersion ?? '—'}): {compliance.lastSweep.healthy} healthy,{' '}
                {compliance.lastSweep.unhealthy} unhealthy, {compliance.lastSweep.notReporting} not reporting
                of {compliance.lastSweep.devices}
              </p>
              <table class="data">
                <caption class="visually-hidden">Results per rule</caption>
                <thead>
                  <tr>
                    <th scope="col">Rule</th>
                    <th scope="col">Pass</th>
                    <th scope="col">Fail</th>
                    <th scope="col">Not applicable</th>
                    <th scope="col">Unknown</th>
                    <th scope="col">Pass rate</th>
                  </tr>
                </thead>
                <tbody>
                  {compliance.rules.map((rule) => (
                    <tr key={rule.ruleId}>
                      <th scope="row">{rule.title}</th>
                      <td>{rule.pass}</td>
                      <td>{rule.fail > 0 ? <Badge tone="bad">{rule.fail}</Badge> : 0}</td>
                      <td>{rule.notApplicable}</td>
                      <td>{rule.unknown}</td>
                      <td>{rule.passRate === null ? '—' : `${Math.round(rule.passRate * 100)}%`}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {compliance.trend.length > 0 && (
                <TimeChart
                  title="Pass rate per rule over sweeps"
                  unit="% passing"
                  {...passRateSeries([compliance])}
                />
              )}
            </>
          )
        }
      </Loaded>
    </section>
  );
}

/** Starts the window's sweep (Fleet.Operate, MFA) and follows it at its status route until it ends. */
function RunSweep(props: { session: Session; tenantId: string; finished: () => void }) {
  const { session, tenantId } = props;
  const [sweep, setSweep] = useState<Sweep>();
  const follow = async (started: Started) => {
    const path = `tenants/${tenantId}/sweeps/${encodeURIComponent(started.sweepId)}`;
    for (;;) {
      const current = await session.api.get('getSweep', path);
      setSweep(current);
      if (current.status) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    props.finished();
  };
  return (
    <div class="sweep">
      <Action
        label="Run sweep now"
        session={session}
        act={() => session.api.call<Started>('POST', `tenants/${tenantId}/sweeps`)}
        done={(started) => void follow(started as Started)}
      />
      {sweep && (
        <p role="status" data-testid="sweep-status">
          Sweep {sweep.sweepId}:{' '}
          {sweep.status ?? `${sweep.runtimeStatus ?? 'Pending'}${sweep.stage ? `, ${sweep.stage}` : ''}`}
          {sweep.error && ` — ${sweep.error}`}
        </p>
      )}
    </div>
  );
}

/** A device's result per rule, from the last sweep that judged it. */
export function DeviceRules(props: { session: Session; tenantId: string; serialNumber: string }) {
  const { session, tenantId, serialNumber } = props;
  const load = useLoad(
    (signal) =>
      session.api
        .get(
          'getDeviceCompliance',
          `tenants/${tenantId}/compliance/devices/${encodeURIComponent(serialNumber)}`,
          signal,
        )
        // Before a sweep judged the device, the API has nothing of it (404): say so, not as a failure.
        .catch((error: unknown) => {
          if (error instanceof ApiProblem && error.problem.status === 404) return undefined;
          throw error;
        }),
    [tenantId, serialNumber],
  );
  return (
    <section aria-labelledby="rules-title">
      <h2 id="rules-title">Rule results</h2>
      <Loaded load={load}>
        {(device) =>
          !device ? (
            <p>No sweep has judged this device yet.</p>
          ) : (
            <table class="data">
              <caption>
                {device.health} · baseline {device.baselineVersion} · evaluated {time(device.lastEvaluatedAt)}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Mode</th>
                  <th scope="col">Detail</th>
                  <th scope="col">Failing since</th>
                </tr>
              </thead>
              <tbody>
                {device.results.map((result) => (
                  <tr key={result.ruleId}>
                    <th scope="row">{result.ruleId}</th>
                    <td>
                      <StatusBadge status={result.outcome} />
                    </td>
                    <td>{result.severity}</td>
                    <td>{result.mode}</td>
                    <td>{result.detail}</td>
                    <td>{time(result.firstFailedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}
