import { type ComponentChildren } from 'preact';
import { href, onLinkClick, usePath } from './router';
import { type RouteName } from './api';
import { hasRole, offers, PageTitle, type Session } from './ui';
import { AuditPage } from './pages/audit';
import { CredentialsPage } from './pages/credentials';
import { DriftPage } from './pages/drift';
import { DevicePage } from './pages/device';
import { FleetPage } from './pages/fleet';
import { PipelinePage } from './pages/pipeline';
import { TenantPage } from './pages/tenant';

interface Page {
  path: string;
  label: string;
  role: string;
  /** The routes it calls beyond the fleet's, which the API must offer. */
  routes?: RouteName[];
}

/** The pages of the navigation, each shown only to operators whose role reads it. */
const pages: Page[] = [
  { path: '', label: 'Fleet', role: 'Fleet.Read' },
  { path: 'pipeline', label: 'Onboarding pipeline', role: 'Fleet.Read' },
  { path: 'drift', label: 'Drift and readiness', role: 'Fleet.Read', routes: ['listDrift', 'getReadiness'] },
  {
    path: 'credentials',
    label: 'Credential requests',
    role: 'Credentials.Request',
    routes: ['getCredentialRequest'],
  },
  {
    path: 'credentials',
    label: 'Credential requests',
    role: 'Credentials.Approve',
    routes: ['getCredentialRequest'],
  },
  { path: 'audit', label: 'Audit log', role: 'Audit.Read' },
];

export function App(props: { session: Session }) {
  const { session } = props;
  const path = usePath();
  // One entry per path: a page that two roles open is listed once.
  const visible = pages.filter(
    (page, index) =>
      hasRole(session.me, page.role) &&
      offers(session, ...(page.routes ?? [])) &&
      !pages.slice(0, index).some((before) => before.path === page.path && hasRole(session.me, before.role)),
  );
  return (
    <div class="shell" onClick={onLinkClick}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Managed Desktop Security</span>
        <nav aria-label="Console">
          <ul>
            {visible.map((page) => (
              <li key={page.path}>
                <a href={href(page.path)} aria-current={section(path) === page.path ? 'page' : undefined}>
                  {page.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>{session.me.name ?? session.auth.account?.username}</span>
          <span class="roles">{session.me.roles.join(', ') || 'no roles'}</span>
          <span class="roles">
            {session.me.mfa ? 'MFA' : 'no MFA'}
            {session.me.authenticationContexts.length > 0
              ? ` · ${session.me.authenticationContexts.join(', ')}`
              : ''}
          </span>
          <button type="button" class="secondary" onClick={() => void session.auth.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">{route(session, path, visible)}</main>
    </div>
  );
}

function section(path: string): string {
  const first = path.split('/')[0] ?? '';
  return first === 'tenants' ? '' : first;
}

function route(session: Session, path: string, visible: Page[]): ComponentChildren {
  if (!session.me.eligible)
    return (
      <section>
        <PageTitle>You may not act as an operator</PageTitle>
        <p role="alert">
          {session.me.registered ? 'The operator registry says: ' : 'You are not registered as an operator. '}
          {session.me.ineligibleBecause.join(', ')}
        </p>
      </section>
    );
  const parts = path.split('/').map(decodeURIComponent);
  const allowed = (name: string) => visible.some((page) => page.path === name);
  if (parts[0] === 'tenants' && parts[1] && allowed('')) {
    if (parts[2] === 'devices' && parts[3])
      return <DevicePage session={session} tenantId={parts[1]} serialNumber={parts[3]} />;
    return <TenantPage session={session} tenantId={parts[1]} />;
  }
  if (path === '' && allowed('')) return <FleetPage session={session} />;
  if (path === 'pipeline' && allowed('pipeline')) return <PipelinePage session={session} />;
  if (path === 'drift' && allowed('drift')) return <DriftPage session={session} />;
  if (parts[0] === 'credentials' && allowed('credentials'))
    return <CredentialsPage session={session} tenantId={parts[1]} requestId={parts[2]} />;
  if (path === 'audit' && allowed('audit')) return <AuditPage session={session} />;
  const first = visible[0];
  return (
    <section>
      <PageTitle>Nothing here for you</PageTitle>
      <p>
        This page does not exist, or your role does not show it.
        {first && (
          <>
            {' '}
            Go to <a href={href(first.path)}>{first.label}</a>.
          </>
        )}
      </p>
    </section>
  );
}
