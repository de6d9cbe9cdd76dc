import { useState } from 'preact/hooks';
import { type Answer, idempotencyKey } from '../api';
import { Bars } from '../chart';
import { href } from '../router';
import {
  Action,
  ErrorView,
  hasRole,
  Loaded,
  PageTitle,
  type Session,
  StatusBadge,
  time,
  useLoad,
} from '../ui';

type Records = Answer<'listOnboardings'>;
type Record = Records['items'][number];
type Started = Answer<'startOnboardings'>;

/** The tenants the operator may pick: their scope as GET /me names it. */
export function TenantPicker(props: {
  session: Session;
  value: string;
  onChange: (tenantId: string) => void;
}) {
  return (
    <label class="picker">
      Tenant
      <select value={props.value} onChange={(event) => props.onChange(event.currentTarget.value)}>
        {props.session.me.tenants.map((tenant) => (
          <option key={tenant.id} value={tenant.id}>
            {tenant.displayName}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Where a finished onboarding stopped: the step that failed, or `onboarded`. */
function stoppedAt(record: Record): string {
  if (record.status === 'onboarded') return 'onboarded';
  return (
    record.steps.find((step) => step.outcome === 'failed')?.step ??
    record.steps.at(-1)?.step ??
    'before any step'
  );
}

function countBy<T>(items: T[], key: (item: T) => string): { label: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([label, count]) => ({ label, count }));
}

const trackedKey = 'console.tracked-onboardings';

function tracked(): { tenantId: string; serialNumber: string }[] {
  try {
    return JSON.parse(sessionStorage.getItem(trackedKey) ?? '[]') as {
      tenantId: string;
      serialNumber: string;
    }[];
  } catch {
    return [];
  }
}

/**
 * The onboarding pipeline of a tenant, refreshed every 10 s: finished onboardings by where they stopped and
 * failures by reason, and the devices started from this console followed live through their status route.
 */
export function PipelinePage(props: { session: Session }) {
  const { session } = props;
  const [tenantId, setTenantId] = useState(session.me.tenants[0]?.id ?? '');
  const [following, setFollowing] = useState(tracked());
  const records = useLoad(
    (signal) =>
      tenantId
        ? session.api.get('listOnboardings', `tenants/${tenantId}/onboardings?pageSize=500`, signal)
        : Promise.resolve<Records>({ items: [] }),
    [tenantId],
    10_000,
  );
  const follow = (started: Started) => {
    const next = [
      ...following.filter((item) => !started.devices.some((d) => d.serialNumber === item.serialNumber)),
      ...started.devices.map((device) => ({ tenantId: started.tenantId, serialNumber: device.serialNumber })),
    ];
    sessionStorage.setItem(trackedKey, JSON.stringify(next));
    setFollowing(next);
  };
  const mine = following.filter((item) => item.tenantId === tenantId);
  return (
    <section>
      <PageTitle>Onboarding pipeline</PageTitle>
      <TenantPicker session={session} value={tenantId} onChange={setTenantId} />
      {mine.length > 0 && (
        <section aria-labelledby="live-title">
          <h2 id="live-title">Followed live</h2>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Serial number</th>
                <th scope="col">Runtime status</th>
                <th scope="col">Step</th>
                <th scope="col">Waiting for</th>
                <th scope="col">Until</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {mine.map((item) => (
                <LiveRow key={item.serialNumber} session={session} {...item} />
              ))}
            </tbody>
          </table>
        </section>
      )}
      <Loaded load={records}>
        {(page) => (
          <>
            <p class="summary">
              {page.items.length} finished onboarding{page.items.length === 1 ? '' : 's'}
              {page.continuationToken ? ' (the latest 500)' : ''} ·{' '}
              {page.items.filter((r) => r.status === 'failed').length} failed
            </p>
            <div class="columns">
              <Bars title="Devices by where they stopped" items={countBy(page.items, stoppedAt)} />
              <Bars
                title="Failures by reason"
                items={countBy(
                  page.items.filter((r) => r.status === 'failed'),
                  (r) => r.reason ?? 'unknown',
                )}
              />
            </div>
          </>
        )}
      </Loaded>
      {hasRole(session.me, 'Fleet.Operate') && tenantId && (
        <StartOnboarding session={session} tenantId={tenantId} started={follow} />
      )}
    </section>
  );
}

function LiveRow(props: { session: Session; tenantId: string; serialNumber: string }) {
  const status = useLoad(
    (signal) =>
      props.session.api.get(
        'getOnboarding',
        `tenants/${props.tenantId}/onboardings/${encodeURIComponent(props.serialNumber)}`,
        signal,
      ),
    [props.tenantId, props.serialNumber],
    5_000,
  );
  const link = (
    <a href={href(`tenants/${props.tenantId}/devices/${encodeURIComponent(props.serialNumber)}`)}>
      {props.serialNumber}
    </a>
  );
  if (status.state !== 'ok')
    return (
      <tr>
        <th scope="row">{link}</th>
        <td colSpan={5}>{status.state === 'loading' ? 'Loading…' : <ErrorView error={status.error} />}</td>
      </tr>
    );
  const s = status.value;
  return (
    <tr>
      <th scope="row">{link}</th>
      <td>{s.runtimeStatus ?? '—'}</td>
      <td>{s.step ?? (s.steps.at(-1)?.step || '—')}</td>
      <td>{s.waitingFor ?? '—'}</td>
      <td>{time(s.until)}</td>
      <td>
        {s.outcome ? (
          <>
            <StatusBadge status={s.outcome.status} />
            {s.outcome.reason && <> {s.outcome.reason}</>}
          </>
        ) : (
          'running'
        )}
      </td>
    </tr>
  );
}

/** Starts one device's onboarding through the API (Fleet.Operate, MFA): the same queue as the Autopilot webhook. */
function StartOnboarding(props: { session: Session; tenantId: string; started: (answer: Started) => void }) {
  const [serialNumber, setSerial] = useState('');
  const [hardwareHash, setHash] = useState('');
  const [upn, setUpn] = useState('');
  const [groupTag, setGroupTag] = useState('MMD');
  const [message, setMessage] = useState('');
  const input = (set: (value: string) => void) => (event: Event) =>
    set((event.currentTarget as HTMLInputElement).value);
  return (
    <section aria-labelledby="start-title" class="panel">
      <h2 id="start-title">Onboard a device</h2>
      <form class="form" onSubmit={(event) => event.preventDefault()}>
        <label>
          Serial number
          <input value={serialNumber} onInput={input(setSerial)} required />
        </label>
        <label>
          Hardware hash (base64)
          <input value={hardwareHash} onInput={input(setHash)} required />
        </label>
        <label>
          Assigned user (UPN)
          <input value={upn} onInput={input(setUpn)} type="email" required />
        </label>
        <label>
          Group tag
          <input value={groupTag} onInput={input(setGroupTag)} />
        </label>
        <Action
          label="Start onboarding"
          session={props.session}
          act={() =>
            props.session.api.call<Started>('POST', `tenants/${props.tenantId}/onboardings`, {
              headers: { 'idempotency-key': idempotencyKey() },
              body: {
                devices: [
                  {
                    serialNumber: serialNumber.trim(),
                    hardwareHash: hardwareHash.trim(),
                    assignedUserPrincipalName: upn.trim(),
                    ...(groupTag.trim() ? { groupTag: groupTag.trim() } : {}),
                  },
                ],
              },
            })
          }
          done={(answer) => {
            props.started(answer as Started);
            setMessage(`Queued ${serialNumber}; it is followed above.`);
          }}
        />
      </form>
      {message && <p role="status">{message}</p>}
    </section>
  );
}
