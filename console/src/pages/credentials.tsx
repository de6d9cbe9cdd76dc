import { useState } from 'preact/hooks';
import { type Answer, idempotencyKey } from '../api';
import { href, navigate } from '../router';
import {
  Action,
  Countdown,
  hasRole,
  offers,
  Loaded,
  PageTitle,
  type Session,
  StatusBadge,
  time,
  useLoad,
} from '../ui';
import { TenantPicker } from './pipeline';

type CredentialRequest = Answer<'getCredentialRequest'>;
type Password = Answer<'checkoutCredential'>;
type Account = CredentialRequest['account'];

/** The service accounts one may ask for; a Record over the route's enum, so a new account must be described here. */
const accounts: Record<Account, string> = {
  msadmin: 'msadmin (tenant administration)',
  mstest: 'mstest (test account)',
  soc_ro: 'soc_ro (security operations, read-only)',
  wdgsoc: 'wdgsoc (Defender operations)',
};

const mineKey = 'console.credential-requests';

function remembered(): { tenantId: string; id: string }[] {
  try {
    return JSON.parse(sessionStorage.getItem(mineKey) ?? '[]') as { tenantId: string; id: string }[];
  } catch {
    return [];
  }
}

/**
 * Just-in-time checkouts of a tenant's service-account credential under dual control: a requester asks, a second
 * operator approves (never their own), the requester checks out the password once and checks it in (it is rotated).
 * The API lists no requests: an approver opens the request's link the requester hands over (or its id).
 */
export function CredentialsPage(props: { session: Session; tenantId?: string; requestId?: string }) {
  const { session } = props;
  if (props.tenantId && props.requestId)
    return <RequestView session={session} tenantId={props.tenantId} requestId={props.requestId} />;
  return (
    <section>
      <PageTitle>Credential requests</PageTitle>
      {hasRole(session.me, 'Credentials.Request') && offers(session, 'requestCredential') && (
        <RequestForm session={session} />
      )}
      <OpenRequest session={session} />
      <Remembered />
    </section>
  );
}

function RequestForm(props: { session: Session }) {
  const { session } = props;
  const [tenantId, setTenantId] = useState(session.me.tenants[0]?.id ?? '');
  const [account, setAccount] = useState<Account>('msadmin');
  const [justification, setJustification] = useState('');
  const [ticket, setTicket] = useState('');
  const [minutes, setMinutes] = useState('60');
  const value = (set: (v: string) => void) => (event: Event) =>
    set((event.currentTarget as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement).value);
  return (
    <section aria-labelledby="request-title" class="panel">
      <h2 id="request-title">Request a checkout</h2>
      <TenantPicker session={session} value={tenantId} onChange={setTenantId} />
      <form class="form" onSubmit={(event) => event.preventDefault()}>
        <label>
          Account
          <select value={account} onChange={value((v) => setAccount(v as Account))}>
            {Object.entries(accounts).map(([name, meaning]) => (
              <option key={name} value={name}>
                {meaning}
              </option>
            ))}
          </select>
        </label>
        <label>
          Ticket
          <input value={ticket} onInput={value(setTicket)} placeholder="INC-1234" required />
        </label>
        <label>
          Lease (minutes)
          <input type="number" min={15} max={480} value={minutes} onInput={value(setMinutes)} required />
        </label>
        <label class="wide">
          Justification
          <textarea value={justification} onInput={value(setJustification)} rows={2} required />
        </label>
        <Action
          label="Request checkout"
          session={session}
          act={() =>
            session.api.call<CredentialRequest>('POST', `tenants/${tenantId}/credential-requests`, {
              headers: { 'idempotency-key': idempotencyKey() },
              body: { account, justification, ticket, durationMinutes: Number(minutes) },
            })
          }
          done={(answer) => {
            const request = answer as CredentialRequest;
            sessionStorage.setItem(
              mineKey,
              JSON.stringify([{ tenantId, id: request.id }, ...remembered()].slice(0, 20)),
            );
            navigate(`credentials/${tenantId}/${request.id}`);
          }}
        />
      </form>
    </section>
  );
}

function OpenRequest(props: { session: Session }) {
  const [tenantId, setTenantId] = useState(props.session.me.tenants[0]?.id ?? '');
  const [id, setId] = useState('');
  return (
    <section aria-labelledby="open-title" class="panel">
      <h2 id="open-title">Open a request</h2>
      <TenantPicker session={props.session} value={tenantId} onChange={setTenantId} />
      <form
        class="form"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(`credentials/${tenantId}/${id.trim()}`);
        }}
      >
        <label>
          Request id
          <input value={id} onInput={(event) => setId(event.currentTarget.value)} required />
        </label>
        <button type="submit">Open</button>
      </form>
    </section>
  );
}

function Remembered() {
  const mine = remembered();
  if (mine.length === 0) return null;
  return (
    <section aria-labelledby="mine-title">
      <h2 id="mine-title">Requested from this browser tab</h2>
      <ul>
        {mine.map((item) => (
          <li key={item.id}>
            <a href={href(`credentials/${item.tenantId}/${item.id}`)}>{item.id}</a>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** One request, refreshed every 5 s, with exactly the actions the caller may take on it in its state. */
function RequestView(props: { session: Session; tenantId: string; requestId: string }) {
  const { session, tenantId, requestId } = props;
  const [password, setPassword] = useState<Password>();
  const load = useLoad(
    (signal) =>
      session.api.get('getCredentialRequest', `tenants/${tenantId}/credential-requests/${requestId}`, signal),
    [tenantId, requestId],
    5_000,
  );
  const path = `tenants/${tenantId}/credential-requests/${requestId}`;
  return (
    <section>
      <p class="crumbs">
        <a href={href('credentials')}>All credential requests</a>
      </p>
      <PageTitle>Credential request</PageTitle>
      <Loaded load={load}>
        {(request) => {
          const mine = request.requester.oid === session.me.oid;
          const approver =
            hasRole(session.me, 'Credentials.Approve') &&
            !mine &&
            offers(session, 'approveCredentialRequest', 'denyCredentialRequest');
          const requester =
            hasRole(session.me, 'Credentials.Request') &&
            mine &&
            offers(session, 'checkoutCredential', 'checkinCredential');
          return (
            <>
              <dl class="facts" data-testid="credential-request">
                <dt>Request id</dt>
                <dd>
                  <code>{request.id}</code> (hand its link to an approver)
                </dd>
                <dt>Status</dt>
                <dd>
                  <StatusBadge status={request.status} />
                </dd>
                <dt>Account</dt>
                <dd>{request.account}</dd>
                <dt>Requested by</dt>
                <dd>
                  {request.requester.displayName ?? request.requester.oid} at {time(request.requestedAt)}
                </dd>
                <dt>Ticket</dt>
                <dd>{request.ticket}</dd>
                <dt>Justification</dt>
                <dd>{request.justification}</dd>
                <dt>Lease</dt>
                <dd>
                  {request.leaseMinutes} minutes
                  {request.lease && (
                    <>
                      , from {time(request.lease.startedAt)} to {time(request.lease.endsAt)}
                      {request.status === 'checkedOut' && (
                        <>
                          {' '}
                          · <Countdown until={request.lease.endsAt} label="Lease" />
                        </>
                      )}
                    </>
                  )}
                </dd>
                {request.decision && (
                  <>
                    <dt>Decision</dt>
                    <dd>
                      {request.decision.outcome} by{' '}
                      {request.decision.by.displayName ?? request.decision.by.oid} at{' '}
                      {time(request.decision.at)}
                      {request.decision.reason && `: ${request.decision.reason}`}
                    </dd>
                  </>
                )}
                {request.ended && (
                  <>
                    <dt>Ended</dt>
                    <dd>
                      {request.ended.reason} at {time(request.ended.at)}
                    </dd>
                  </>
                )}
                {request.rotation && (
                  <>
                    <dt>Rotated</dt>
                    <dd>{time(request.rotation.at)}</dd>
                  </>
                )}
              </dl>
              <div class="actions">
                {approver && request.status === 'pending' && (
                  <>
                    <Action
                      label="Approve"
                      session={session}
                      act={() => session.api.call('POST', `${path}/approve`)}
                      done={load.reload}
                    />
                    <Deny session={session} path={path} done={load.reload} />
                  </>
                )}
                {requester && request.status === 'approved' && (
                  <Action
                    label="Check out"
                    session={session}
                    act={() => session.api.call<Password>('POST', `${path}/checkout`)}
                    done={(answer) => {
                      setPassword(answer as Password);
                      load.reload();
                    }}
                  />
                )}
                {requester && request.status === 'checkedOut' && (
                  <Action
                    label="Check in"
                    session={session}
                    act={() => session.api.call('POST', `${path}/checkin`)}
                    done={() => {
                      setPassword(undefined);
                      load.reload();
                    }}
                  />
                )}
              </div>
              {password && request.status === 'checkedOut' && <PasswordView password={password} />}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

function Deny(props: { session: Session; path: string; done: () => void }) {
  const [reason, setReason] = useState('');
  return (
    <div class="inline-form">
      <label for="deny-reason">Reason to deny</label>
      <input id="deny-reason" value={reason} onInput={(event) => setReason(event.currentTarget.value)} />
      <Action
        label="Deny"
        variant="danger"
        session={props.session}
        act={() => props.session.api.call('POST', `${props.path}/deny`, { body: { reason } })}
        done={props.done}
      />
    </div>
  );
}

/** The password, held in this page's memory only (never stored), hidden until asked for, until the lease ends. */
function PasswordView(props: { password: Password }) {
  const [shown, setShown] = useState(false);
  return (
    <section aria-labelledby="password-title" class="panel">
      <h2 id="password-title">Checked-out credential</h2>
      <p>
        {props.password.account}
        {props.password.userPrincipalName && <> ({props.password.userPrincipalName})</>} ·{' '}
        <Countdown until={props.password.leaseEndsAt} label="Lease" />
      </p>
      <p>
        <button type="button" class="secondary" onClick={() => setShown(!shown)} aria-pressed={shown}>
          {shown ? 'Hide password' : 'Show password'}
        </button>{' '}
        {shown && <code data-testid="password">{props.password.password}</code>}
      </p>
      <p class="summary">
        The password is shown once: it is not kept anywhere and is rotated when you check in.
      </p>
    </section>
  );
}
