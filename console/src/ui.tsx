import { type ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Api, ApiProblem, type Problem, type RouteName } from './api';
import { type Auth } from './auth';

/** What every page gets: the API client, sign-in, and who the caller is (GET /me). */
export interface Session {
  api: Api;
  auth: Auth;
  me: Me;
  /** The operations this API offers: a page or section whose routes it lacks is not shown. */
  available: Set<string>;
}

/** Whether the API offers every route named (an older or newer API than the console's build may lack some). */
export function offers(session: Session, ...routes: RouteName[]): boolean {
  return routes.every((route) => session.available.has(route));
}

export interface Me {
  oid: string;
  name?: string;
  roles: string[];
  mfa: boolean;
  authenticationContexts: string[];
  registered: boolean;
  eligible: boolean;
  ineligibleBecause: string[];
  tenants: { id: string; displayName: string }[];
  allTenants: boolean;
}

export function hasRole(me: Me, role: string): boolean {
  return me.eligible && me.roles.includes(role);
}

type Loaded<T> = { state: 'loading' } | { state: 'ok'; value: T } | { state: 'failed'; error: unknown };

/** Loads on mount and when `deps` change, aborting the previous load; `reload` loads again (and `every` ms). */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
  every?: number,
): Loaded<T> & { reload: () => void } {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (value) => !controller.signal.aborted && setResult({ state: 'ok', value }),
      (error: unknown) => !controller.signal.aborted && setResult({ state: 'failed', error }),
    );
    const timer = every ? setTimeout(reload, every) : undefined;
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [...deps, round]);
  return { ...result, reload };
}

/** Renders a load: a status line while loading, the problem when it failed, else the children. */
export function Loaded<T>(props: { load: Loaded<T>; children: (value: T) => ComponentChildren }) {
  if (props.load.state === 'loading') return <p role="status">Loading…</p>;
  if (props.load.state === 'failed') return <ErrorView error={props.load.error} />;
  return <>{props.children(props.load.value)}</>;
}

/** The API's problem details, as it wrote them: title, detail, code, field errors, invocation id. */
export function ErrorView(props: { error: unknown; session?: Session }) {
  if (!(props.error instanceof ApiProblem))
    return (
      <div class="problem" role="alert">
        <strong>Something failed</strong>
        <p>{props.error instanceof Error ? props.error.message : String(props.error)}</p>
      </div>
    );
  return <ProblemView problem={props.error.problem} session={props.session} />;
}

export function ProblemView(props: { problem: Problem; session?: Session | undefined }) {
  const { problem, session } = props;
  const context = problem.requiredAuthenticationContext;
  const mfa = problem.requiredAuthenticationMethod === 'mfa';
  return (
    <div class="problem" role="alert">
      <strong>
        {problem.status} {problem.title}
      </strong>
      {problem.detail && <p>{problem.detail}</p>}
      {problem.errors && (
        <ul>
          {problem.errors.map((error) => (
            <li key={error.field}>
              <code>{error.field}</code> {error.message}
            </li>
          ))}
        </ul>
      )}
      <p class="meta">
        {problem.code && <code>{problem.code}</code>}
        {problem.invocationId && <> · invocation {problem.invocationId}</>}
      </p>
      {session && (mfa || context) && (
        <button
          type="button"
          onClick={() => void session.auth.stepUp(context ? { kind: 'context', context } : { kind: 'mfa' })}
        >
          {context ? `Sign in again for ${context}` : 'Sign in again with MFA'}
        </button>
      )}
    </div>
  );
}

/**
 * A write: runs `act` and shows what came back, the API's problem (with its step-up button) when it failed. The
 * caller renders this only for operators whose role allows the action: nothing is shown merely disabled.
 */
export function Action(props: {
  label: string;
  session: Session;
  act: () => Promise<unknown>;
  done?: (result: unknown) => void;
  confirm?: string;
  variant?: 'primary' | 'secondary' | 'danger';
}) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<unknown>();
  const run = async () => {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setBusy(true);
    setProblem(undefined);
    try {
      const result = await props.act();
      props.done?.(result);
    } catch (error) {
      setProblem(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button type="button" class={props.variant ?? 'primary'} onClick={() => void run()} aria-busy={busy}>
        {busy ? `${props.label}…` : props.label}
      </button>
      {problem !== undefined && <ErrorView error={problem} session={props.session} />}
    </span>
  );
}

/** Seconds left until `until`, ticking each second (credential leases). */
export function Countdown(props: { until: string; label: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const left = Math.max(0, Math.round((Date.parse(props.until) - now) / 1000));
  const text = left === 0 ? 'expired' : `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} left`;
  return (
    <span class="countdown" role="timer" aria-label={`${props.label}: ${text}`}>
      <span aria-hidden="true">{text}</span>
    </span>
  );
}

export function time(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime())
    ? value
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function duration(start?: string, end?: string): string {
  if (!start || !end) return '—';
  const ms = Date.parse(end) - Date.parse(start);
  if (!(ms >= 0)) return '—';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A page's heading, focused when the page changes so that screen readers announce it. */
export function PageTitle(props: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
    document.title = `${ref.current?.textContent ?? ''} — operator console`;
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {props.children}
    </h1>
  );
}

/** The tone of each status word the API answers, so that one word looks the same on every page. */
const tones: Record<string, 'good' | 'bad' | 'warn' | 'neutral'> = {
  healthy: 'good',
  onboarded: 'good',
  succeeded: 'good',
  active: 'good',
  fresh: 'good',
  ready: 'good',
  pass: 'good',
  completed: 'good',
  approved: 'good',
  checkedIn: 'good',
  accepted: 'good',
  remediated: 'warn',
  suspended: 'warn',
  provisioning: 'warn',
  stale: 'warn',
  refused: 'warn',
  advisory: 'warn',
  pending: 'warn',
  checkedOut: 'warn',
  unhealthy: 'bad',
  failed: 'bad',
  fail: 'bad',
  never: 'bad',
  notReady: 'bad',
  error: 'bad',
  denied: 'bad',
  new: 'bad',
};

/** A status word of the API as a badge, toned by what it means. */
export function StatusBadge(props: { status: string }) {
  return <Badge tone={tones[props.status] ?? 'neutral'}>{props.status}</Badge>;
}

export function Badge(props: { tone: 'good' | 'bad' | 'warn' | 'neutral'; children: ComponentChildren }) {
  return <span class={`badge ${props.tone}`}>{props.children}</span>;
}

/** A table of the API's items: its column headings, an empty line when there are none, then the rows given. */
export function DataTable(props: {
  columns: string[];
  empty: string;
  count: number;
  caption?: string;
  children: ComponentChildren;
}) {
  return (
    <table class="data">
      {props.caption && <caption class="visually-hidden">{props.caption}</caption>}
      <thead>
        <tr>
          {props.columns.map((column) => (
            <th scope="col" key={column}>
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.count === 0 && (
          <tr>
            <td colSpan={props.columns.length}>{props.empty}</td>
          </tr>
        )}
        {props.children}
      </tbody>
    </table>
  );
}

/**
 * Paging by continuation token: the tokens of the pages before this one are kept here, so going back needs nothing
 * of the server. `reset` starts again at the first page (a filter changed).
 */
export function usePages() {
  const [pages, setPages] = useState<(string | undefined)[]>([undefined]);
  return {
    token: pages[pages.length - 1],
    number: pages.length,
    next: (token: string) => setPages([...pages, token]),
    previous: () => setPages(pages.slice(0, -1)),
    reset: () => setPages([undefined]),
  };
}

export function Pager(props: {
  label: string;
  pages: ReturnType<typeof usePages>;
  continuationToken: string | undefined;
  previous?: string;
  next?: string;
}) {
  const { pages, continuationToken } = props;
  return (
    <nav class="pager" aria-label={props.label}>
      {pages.number > 1 && (
        <button type="button" class="secondary" onClick={pages.previous}>
          {props.previous ?? 'Previous page'}
        </button>
      )}
      <span>Page {pages.number}</span>
      {continuationToken && (
        <button type="button" class="secondary" onClick={() => pages.next(continuationToken)}>
          {props.next ?? 'Next page'}
        </button>
      )}
    </nav>
  );
}
