import { type HttpHandler } from '@azure/functions';
import { type AccessCapability } from '../access/wiring';
import { type AuditPort } from '../audit/contract';
import { type AuditCapability } from '../audit/wiring';
import { type AppConfig } from '../config';
import { type OnboardingCapability } from '../onboarding/wiring';
import { type Platform } from '../platform';
import { lazy } from '../platform/lazy';
import { type TenantStore } from '../tenants/store';
import { OperatorTokenVerifier } from './auth/token-verifier';
import {
  type EndpointDependencies,
  type OperatorApiImplementations,
  operatorEndpoint,
  type RouteImplementation,
} from './endpoint';
import { type TelemetryCapability } from '../telemetry/wiring';
import { type ComplianceCapability } from '../compliance/wiring';
import { auditHandlers } from './handlers/audit';
import { telemetryHandlers } from './handlers/telemetry';
import { provisioningHandlers } from './handlers/provisioning';
import { type ProvisioningCapability } from '../provisioning/wiring';
import { docsHandlers } from './handlers/docs';
import { fleetHandlers } from './handlers/fleet';
import { meHandler } from './handlers/me';
import { registryHandlers } from './handlers/registry';
import { tenantHandlers } from './handlers/tenants';
import { IdempotencyStore } from './idempotency-store';
import { type OperatorRouteName, operatorRoutes, type RouteSpec } from './routes';
import { OperatorStore } from './store';

export interface OperatorsCapability {
  readonly registry: OperatorStore;
  readonly verifier: OperatorTokenVerifier;
  /** One HTTP handler per route of the table, each behind the same authentication and authorization. */
  readonly routes: Record<OperatorRouteName, HttpHandler>;
  /** The handlers without the endpoint pipeline: for the benchmark that prices authentication. */
  readonly implementations: OperatorApiImplementations;
}

export type OperatorsPlatform = Pick<Platform, 'container' | 'tls'>;
export type OperatorsConfig = Pick<
  AppConfig,
  'ENTRA_AUTHORITY_HOST' | 'OPERATOR_TENANT_ID' | 'OPERATOR_API_AUDIENCE' | 'OPERATOR_PRIVILEGED_AUTH_CONTEXT'
>;

export function operatorsWiring(
  platform: OperatorsPlatform,
  tenants: TenantStore,
  onboarding: Pick<OnboardingCapability, 'store' | 'startOrder' | 'status'>,
  auditCapability: Pick<AuditCapability, 'port' | 'listHandler' | 'verifyHandler'>,
  telemetry: Pick<TelemetryCapability, 'tenantView' | 'deviceView'>,
  access: Pick<AccessCapability, 'handlers'>,
  compliance: Pick<ComplianceCapability, 'handlers'>,
  config: OperatorsConfig,
  version: string,
  provisioning: Pick<ProvisioningCapability, 'store' | 'operations'>,
): OperatorsCapability {
  const now = () => new Date();
  const audit: AuditPort = auditCapability.port;
  const operators: OperatorsCapability = lazy<OperatorsCapability>({
    registry: () => new OperatorStore(platform.container('operators')),
    verifier: () =>
      new OperatorTokenVerifier({
        authorityHost: config.ENTRA_AUTHORITY_HOST,
        tenantId: config.OPERATOR_TENANT_ID,
        audience: config.OPERATOR_API_AUDIENCE,
        ...(platform.tls ? { agent: platform.tls.httpsAgent } : {}),
      }),
    implementations: () => {
      const idempotency = new IdempotencyStore(platform.container('idempotencyKeys'));
      return {
        me: meHandler({ tenants }),
        ...tenantHandlers({ tenants, counts: onboarding.store, audit, now }),
        ...fleetHandlers({
          tenants,
          onboardings: onboarding.store,
          startOrder: onboarding.startOrder,
          status: onboarding.status,
          idempotency,
          deviceTelemetry: (tenantId, managedDeviceId) => telemetry.deviceView(tenantId, managedDeviceId),
          audit,
          now,
        }),
        ...telemetryHandlers({ tenants, telemetry }),
        ...compliance.handlers,
        ...provisioningHandlers({ tenants, provisioning, audit, now }),
        ...registryHandlers({ operators: operators.registry, audit, now }),
        ...auditHandlers(auditCapability),
        ...access.handlers,
        ...docsHandlers(version),
      };
    },
    routes: () => {
      const deps: EndpointDependencies = {
        verifier: operators.verifier,
        operators: operators.registry,
        audit,
        privilegedContext: config.OPERATOR_PRIVILEGED_AUTH_CONTEXT,
        now,
      };
      // Each implementation is typed by its own route; the table is walked as plain specs.
      const implementations = operators.implementations as unknown as Record<
        OperatorRouteName,
        RouteImplementation<RouteSpec>
      >;
      return Object.fromEntries(
        (Object.entries(operatorRoutes) as [OperatorRouteName, RouteSpec][]).map(([name, spec]) => [
          name,
          operatorEndpoint(spec, deps, implementations[name]),
        ]),
      ) as Record<OperatorRouteName, HttpHandler>;
    },
  });
  return operators;
}
