/**
 * The answers of the routes two other branches add to the operator API's table, written here from their route
 * tables (compliance-sweep: shared/compliance/routes.ts; access: shared/access/routes.ts) because they had not
 * landed on main when the console was handed over. `Answer<K>` (api.ts)
 * takes the table's own schema as soon as a route is in it; delete its entry here then. The console shows a page or
 * section only when the API's OpenAPI document lists the routes it calls (`Session.available`), so none of these is
 * shown against an API without them.
 */
type Person = { oid: string; displayName?: string };

interface CredentialRequestView {
  id: string;
  tenantId: string;
  account: 'msadmin' | 'mstest' | 'soc_ro' | 'wdgsoc';
  status:
    | 'pending'
    | 'approved'
    | 'denied'
    | 'expired'
    | 'checkedOut'
    | 'checkedIn'
    | 'leaseExpired'
    | 'revoked';
  requester: Person;
  justification: string;
  ticket: string;
  leaseMinutes: number;
  requestedAt: string;
  decision?: { outcome: string; by: Person; at: string; reason?: string };
  lease?: { startedAt: string; endsAt: string };
  ended?: { reason: string; at: string; by?: Person };
  rotation?: { version: string; at: string };
  statusUrl: string;
}

interface RuleSummary {
  ruleId: string;
  title: string;
  pass: number;
  fail: number;
  notApplicable: number;
  unknown: number;
  passRate: number | null;
}

export interface PendingRoutes {
  startSweep: {
    tenantId: string;
    sweepId: string;
    windowAt: string;
    state: 'started' | 'exists';
    statusUrl: string;
  };
  getSweep: {
    tenantId: string;
    sweepId: string;
    runtimeStatus?: string;
    stage?: string;
    status?: 'completed' | 'failed';
    error?: string;
  };
  getCompliance: {
    tenantId: string;
    baselineVersion: string | null;
    lastSweep: {
      sweepId: string;
      evaluatedAt: string;
      devices: number;
      healthy: number;
      unhealthy: number;
      notReporting: number;
    } | null;
    rules: RuleSummary[];
    trend: {
      sweepId: string;
      evaluatedAt: string;
      healthy: number;
      unhealthy: number;
      notReporting: number;
      passRates: Record<string, number | null>;
    }[];
  };
  getDeviceCompliance: {
    serialNumber: string;
    health: 'healthy' | 'unhealthy' | 'notReporting';
    baselineVersion: string;
    lastEvaluatedAt: string;
    results: {
      ruleId: string;
      outcome: 'pass' | 'fail' | 'notApplicable' | 'unknown';
      detail: string;
      mode: string;
      severity: string;
      firstFailedAt?: string;
    }[];
  };
  requestCredential: CredentialRequestView;
  getCredentialRequest: CredentialRequestView;
  approveCredentialRequest: CredentialRequestView;
  denyCredentialRequest: CredentialRequestView;
  checkinCredential: CredentialRequestView;
  checkoutCredential: {
    requestId: string;
    account: string;
    userPrincipalName?: string;
    password: string;
    leaseEndsAt: string;
  };
}
