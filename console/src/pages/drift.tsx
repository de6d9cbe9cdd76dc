import { useState } from 'preact/hooks';
import { type Answer, ApiProblem } from '../api';
import { Action, hasRole, offers, Loaded, PageTitle, type Session, StatusBadge, time, useLoad } from '../ui';
import { TenantPicker } from './pipeline';

type Drift = Answer<'listDrift'>;
type DriftRecord = Drift['items'][number];
type Readiness = Answer<'getReadiness'>;
type Started = Answer<'reconcileTenant'>;

/** What each drift status means; a Record over the route's enum, so a status added there must be described here. */
const statusMeaning: Record<DriftRecord['status'], string> = {
  new: 'new (open)',
  remediated: 'remediated',
  accepted: 'accepted',
  customerSpecific: 'customer-specific',
  denied: 'denied',
};

/** A tenant's readiness assessment and its drift from the desired state, with accept and reconcile for managers. */
export function DriftPage(props: { session: Session }) {
  const { session } = props;
  const [tenantId, setTenantId] = useState(session.me.tenants[0]?.id ?? '');
  const [status, setStatus] = useState<string>('new');
  const manage = hasRole(session.me, 'Tenants.Manage') && offers(session, 'acceptDrift');
  const reconcile =
    hasRole(session.me, 'Tenants.Manage') && offers(session, 'reconcileTenant', 'getProvisioning');
  const readiness = useLoad(
    (signal) =>
      tenantId
        ? session.api.get('getReadiness', `tenants/${tenantId}/readiness`, signal).catch(notYet)
        : Promise.resolve(undefined),
    [tenantId],
  );
  const drift = useLoad(
    (signal) => {
      const query = new URLSearchParams({ pageSize: '200' });
      if (status) query.set('status', status);
      return tenantId
        ? session.api.get('listDrift', `tenants/${tenantId}/drift?${query}`, signal)
        : Promise.resolve<Drift>({ items: [] });
    },
    [tenantId, status],
  );
  return (
    <section>
      <PageTitle>Drift and readiness</PageTitle>
      <TenantPicker session={session} value={tenantId} onChange={setTenantId} />
      <section aria-labelledby="readiness-title">
        <h2 id="readiness-title">Readiness</h2>
        <Loaded load={readiness}>
          {(assessment) =>
            assessment ? <ReadinessTable readiness={assessment} /> : <p>Not assessed yet.</p>
          }
        </Loaded>
      </section>
      <section aria-labelledby="drift-title">
        <h2 id="drift-title">Drift from the desired state</h2>
        {reconcile && tenantId && <Reconcile session={session} tenantId={tenantId} finished={drift.reload} />}
        <form class="filters" onSubmit={(event) => event.preventDefault()}>
          <label>
            Status
            <select value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
              <option value="">any</option>
              {Object.entries(statusMeaning).map(([name, meaning]) => (
                <option key={name} value={name}>
                  {meaning}
                </option>
              ))}
            </select>
          </label>
        </form>
        <Loaded load={drift}>
          {(page) => (
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Detail</th>
                  <th scope="col">Status</th>
                  <th scope="col">Handling</th>
                  <th scope="col">First seen</th>
                  <th scope="col">Last seen</th>
                  {manage && <th scope="col">Action</th>}
                </tr>
              </thead>
              <tbody>
                {page.items.length === 0 && (
                  <tr>
                    <td colSpan={manage ? 8 : 7}>No drift{status ? ` that is ${status}` : ''}.</td>
                  </tr>
                )}
                {page.items.map((record) => (
                  <tr key={record.id}>
                    <th scope="row">{record.item}</th>
                    <td>{record.kind}</td>
                    <td>
                      {record.detail}
                      {record.changedFields && <> ({record.changedFields.join(', ')})</>}
                      {record.accepted && (
                        <>
                          <br />
                          accepted {time(record.accepted.at)}: {record.accepted.reason}
                        </>
                      )}
                    </td>
                    <td>
                      <StatusBadge status={record.status} />
                    </td>
                    <td>{record.handling}</td>
                    <td>{time(record.firstSeen)}</td>
                    <td>{time(record.lastSeen)}</td>
                    {manage && (
                      <td>
                        {record.status === 'new' && (
                          <Accept session={session} record={record} tenantId={tenantId} done={drift.reload} />
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
      </section>
    </section>
  );
}

/** A tenant never assessed has no assessment (404): shown as such, not as a failure. */
function notYet(error: unknown): undefined {
  if (error instanceof ApiProblem && error.problem.status === 404) return undefined;
  throw error;
}

function ReadinessTable(props: { readiness: Readiness }) {
  return (
    <>
      <p>
        <StatusBadge status={props.readiness.verdict} /> assessed {time(props.readiness.assessedAt)}
      </p>
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">Verdict</th>
            <th scope="col">Detail</th>
            <th scope="col">What to fix</th>
          </tr>
        </thead>
        <tbody>
          {props.readiness.checks.map((check) => (
            <tr key={check.check}>
              <th scope="row">{check.check}</th>
              <td>
                <StatusBadge status={check.verdict} />
              </td>
              <td>{check.detail}</td>
              <td>{check.fix ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Accept(props: { session: Session; tenantId: string; record: DriftRecord; done: () => void }) {
  const [reason, setReason] = useState('');
  const id = `accept-${props.record.id}`;
  return (
    <div class="inline-form">
      <label for={id}>Reason</label>
      <input id={id} value={reason} onInput={(event) => setReason(event.currentTarget.value)} />
      <Action
        label="Accept"
        session={props.session}
        act={() =>
          props.session.api.call(
            'POST',
            `tenants/${props.tenantId}/drift/${encodeURIComponent(props.record.id)}/accept`,
            {
              body: { reason },
            },
          )
        }
        done={props.done}
      />
    </div>
  );
}

/** Reconciles now (Tenants.Manage, MFA) and follows it at its status route until it ends. */
function Reconcile(props: { session: Session; tenantId: string; finished: () => void }) {
  const { session, tenantId } = props;
  const [state, setState] = useState('');
  const follow = async () => {
    for (;;) {
      const current = await session.api.get('getProvisioning', `tenants/${tenantId}/provisioning`);
      const status = current.reconcile?.runtimeStatus ?? 'Pending';
      setState(status);
      if (['Completed', 'Failed', 'Terminated'].includes(status)) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    props.finished();
  };
  return (
    <div class="sweep">
      <Action
        label="Reconcile now"
        session={session}
        act={() => session.api.call<Started>('POST', `tenants/${tenantId}/reconcile`)}
        done={() => void follow()}
      />
      {state && <p role="status">Reconcile: {state}</p>}
    </div>
  );
}
