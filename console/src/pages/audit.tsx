import { useState } from 'preact/hooks';
import { type AuditEvent } from '../../../shared/audit/contract';
import { type AuditPage } from '../../../shared/audit/query';
import { type TenantVerification } from '../../../shared/audit/verifier';
import {
  Badge,
  DataTable,
  Loaded,
  PageTitle,
  Pager,
  type Session,
  StatusBadge,
  time,
  useLoad,
  usePages,
} from '../ui';
import { TenantPicker } from './pipeline';

/** A record of the operator sink: the event as AuditEvent has it (customers' personal data as keyed hashes). */
type Trail = {
  items: (Omit<AuditPage['items'][number], 'event'> & { event: AuditEvent })[];
  continuationToken?: string;
};

/** The operator environment's audit trail for a tenant, newest first, with the verification of its chain. */
export function AuditPage(props: { session: Session }) {
  const { session } = props;
  const [tenantId, setTenantId] = useState(session.me.tenants[0]?.id ?? '');
  const pages = usePages();
  const token = pages.token;
  const trail = useLoad(
    (signal) => {
      const query = new URLSearchParams({ pageSize: '50' });
      if (tenantId) query.set('tenantId', tenantId);
      if (token) query.set('continuationToken', token);
      return session.api.call<Trail>('GET', `audit?${query}`, { signal });
    },
    [tenantId, token],
  );
  const verification = useLoad(
    (signal) =>
      tenantId
        ? session.api.call<TenantVerification>(
            'GET',
            `audit/verify?tenantId=${encodeURIComponent(tenantId)}`,
            { signal },
          )
        : Promise.resolve(undefined),
    [tenantId],
  );
  return (
    <section>
      <PageTitle>Audit log</PageTitle>
      <TenantPicker
        session={session}
        value={tenantId}
        onChange={(id) => {
          setTenantId(id);
          pages.reset();
        }}
      />
      <section aria-labelledby="chain-title">
        <h2 id="chain-title">Chain verification</h2>
        <Loaded load={verification}>
          {(report) =>
            !report ? (
              <p>Pick a tenant to verify its chain.</p>
            ) : (
              <div class="cards" data-testid="verification">
                <div class="card">
                  <span class="label">Both sinks</span>
                  <Badge tone={report.ok ? 'good' : 'bad'}>{report.ok ? 'intact' : 'at fault'}</Badge>
                </div>
                {[report.operator, report.customer].flatMap((chain) =>
                  chain
                    ? [
                        <div class="card" key={chain.sink}>
                          <span class="label">{chain.sink} sink</span>
                          <Badge tone={chain.ok ? 'good' : 'bad'}>{chain.ok ? 'verified' : 'at fault'}</Badge>
                          <span>
                            {chain.records} records, {chain.checkpoints} signed checkpoints,{' '}
                            {chain.unsignedTail} after the last
                          </span>
                          {chain.problem && (
                            <span role="alert">
                              {chain.problem.kind} at seq {chain.problem.seq ?? '?'}: {chain.problem.detail}
                            </span>
                          )}
                          {chain.unavailable && <span role="alert">unavailable: {chain.unavailable}</span>}
                        </div>,
                      ]
                    : [],
                )}
              </div>
            )
          }
        </Loaded>
      </section>
      <section aria-labelledby="trail-title">
        <h2 id="trail-title">Events</h2>
        <Loaded load={trail}>
          {(page) => (
            <>
              <DataTable
                columns={['Time', 'Seq', 'Action', 'Outcome', 'Actor', 'Target', 'Reason']}
                empty="No events."
                count={page.items.length}
              >
                {page.items.map((item) => (
                  <tr key={`${item.chain}:${item.seq}`}>
                    <td>{time(item.event.time)}</td>
                    <td>{item.seq}</td>
                    <th scope="row">{item.event.action}</th>
                    <td>
                      <StatusBadge status={item.event.outcome} />
                    </td>
                    <td>{actorName(item.event.actor)}</td>
                    <td>
                      {item.event.target.type} {item.event.target.id}
                    </td>
                    <td>{item.event.reason ?? '—'}</td>
                  </tr>
                ))}
              </DataTable>
              <Pager
                label="Audit pages"
                pages={pages}
                continuationToken={page.continuationToken}
                previous="Newer"
                next="Older"
              />
            </>
          )}
        </Loaded>
      </section>
    </section>
  );
}

function actorName(actor: AuditEvent['actor']): string {
  return actor.kind === 'operator' ? (actor.displayName ?? actor.oid) : actor.functionName;
}
