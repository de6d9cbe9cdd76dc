import { z } from 'zod';
import { isoDurationMs } from './durable/iso-duration';
import { ConfigError, type FieldProblem } from './errors';

/**
 * Every setting the app reads, validated once. In Azure they are app settings; locally `local.settings.json`
 * `Values` become environment variables exactly as the Functions host makes them. Connections follow the Functions
 * convention: `<Name>` holds a connection string, or `<Name>__<property>` settings describe an identity-based
 * connection (managed identity through DefaultAzureCredential in production).
 */
const url = z.url({ message: 'must be an absolute URL' });
const duration = z.string().refine(
  (value) => {
    try {
      return isoDurationMs(value) > 0;
    } catch {
      return false;
    }
  },
  { message: 'must be an ISO 8601 duration such as P14D or PT30M' },
);

/** A webhook source's name: it becomes part of a Key Vault secret name. */
export const webhookSourcePattern = /^[a-z0-9][a-z0-9-]{0,39}$/;

const schema = z.object({
  COSMOS_ENDPOINT: url,
  /** Absent in production: the app then authenticates with its managed identity. */
  COSMOS_KEY: z.string().min(1).optional(),
  COSMOS_DATABASE: z.string().min(1).default('managed-desktop'),

  KEYVAULT_URL: url,

  ServiceBusConnection: z.string().min(1).optional(),
  ServiceBusConnection__fullyQualifiedNamespace: z.string().min(1).optional(),

  ArchiveStorage: z.string().min(1).optional(),
  ArchiveStorage__blobServiceUri: url.optional(),

  /** A PEM file the app's clients trust besides the system CAs: the local stand-ins' certificate. */
  TRUSTED_CA_CERT_PATH: z.string().min(1).optional(),

  ENTRA_AUTHORITY_HOST: url.default('https://login.microsoftonline.com'),
  GRAPH_BASE_URL: url.default('https://graph.microsoft.com'),
  DEFENDER_BASE_URL: url.default('https://api.security.microsoft.com'),

  OPERATOR_TENANT_ID: z.string().min(1),
  OPERATOR_API_AUDIENCE: z.string().min(1),
  /**
   * The Conditional Access authentication context (`acrs` claim) that privileged operator actions require; in Azure
   * a Conditional Access policy ties it to MFA, a compliant device and US locations.
   */
  OPERATOR_PRIVILEGED_AUTH_CONTEXT: z
    .string()
    .regex(/^c([1-9]|[1-9][0-9])$/, { message: 'must be an authentication context id c1 to c99' })
    .default('c1'),

  /**
   * The operator console's app registration (a `spa` platform with redirect URI `https://<app>/console/`) in the
   * operator tenant; without it the console page says sign-in is not configured.
   */
  OPERATOR_CONSOLE_CLIENT_ID: z.string().min(1).optional(),
  /** The operator API's delegated scope the console asks for (`<OPERATOR_API_AUDIENCE>/<scope>`). */
  OPERATOR_API_SCOPE_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).default('access_as_user'),
  /** Where the built console is (`npm run build` writes `dist/console`), relative to the app's root. */
  CONSOLE_ASSETS_PATH: z.string().min(1).default('dist/console'),

  APP_VERSION: z.string().min(1).optional(),
  ENROLLMENT_DEADLINE: duration.default('P14D'),
  /** Calls in flight per tenant to Graph and to Defender (Intune allows 1,000 requests per 20 s per app and tenant). */
  GRAPH_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(8),
  /**
   * Of GRAPH_MAX_IN_FLIGHT, the calls telemetry may hold per tenant and service; the rest stay free for onboarding.
   */
  TELEMETRY_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(2),
  /** Pulls of a source that fail in a row before it is marked stale (its last good state stays in place). */
  TELEMETRY_STALE_AFTER_FAILURES: z.coerce.number().int().min(1).default(3),
  /** NCRONTAB schedules of the telemetry timers (read by the host from `%…%` in the registrations). */
  TELEMETRY_HOURLY_SCHEDULE: z.string().min(1).default('0 5 * * * *'),
  TELEMETRY_SIX_HOURLY_SCHEDULE: z.string().min(1).default('0 20 */6 * * *'),
  TELEMETRY_DAILY_SCHEDULE: z.string().min(1).default('0 40 2 * * *'),
  /** NCRONTAB schedule of the compliance sweeps: every 4 hours, after the hourly telemetry pull. */
  COMPLIANCE_SWEEP_SCHEDULE: z.string().min(1).default('0 15 */4 * * *'),
  /** NCRONTAB schedule of the reconcile over all managed tenants: every 4 hours (policy health alerts within 4 h). */
  RECONCILE_SCHEDULE: z.string().min(1).default('0 30 */4 * * *'),
  /** NCRONTAB schedule of the daily run that rotates service-account passwords older than 13 days. */
  CREDENTIAL_ROTATION_SCHEDULE: z.string().min(1).default('0 15 3 * * *'),
  /**
   * The Azure regions of the stores that have no region to read on their endpoints (Cosmos DB's is read from the
   * account): start-up refuses to run unless each is declared and in the US (shared/platform/residency.ts).
   */
  STORAGE_REGION: z.string().min(1).optional(),
  SERVICEBUS_REGION: z.string().min(1).optional(),
  KEYVAULT_REGION: z.string().min(1).optional(),
  /**
   * The webhook sources allowed to deliver, comma-separated; each has its HMAC key in Key Vault as
   * `autopilot-webhook-secret-<source>`. Any other `x-mds-source` is refused without a Key Vault read.
   */
  WEBHOOK_SOURCES: z
    .string()
    .default('autopilot')
    .transform((value) =>
      value
        .split(',')
        .map((source) => source.trim())
        .filter((source) => source.length > 0),
    )
    .pipe(
      z
        .array(
          z.string().regex(webhookSourcePattern, {
            message: 'each source must be 1 to 40 of a-z, 0-9 and -, starting with a letter or digit',
          }),
        )
        .min(1, { message: 'must name at least one source' })
        .max(20, { message: 'must name at most 20 sources' }),
    ),
  /** Largest accepted webhook body: 500 devices with 4 KB hardware hashes fit comfortably. */
  WEBHOOK_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
});

export type AppConfig = z.infer<typeof schema>;

/** Settings that are valid only in pairs; checked on the raw values so they are reported with the rest. */
function connectionProblems(env: NodeJS.ProcessEnv): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!env.ServiceBusConnection && !env.ServiceBusConnection__fullyQualifiedNamespace) {
    problems.push({
      field: 'ServiceBusConnection',
      message:
        'set a connection string, or ServiceBusConnection__fullyQualifiedNamespace for managed identity',
    });
  }
  if (!env.ArchiveStorage && !env.ArchiveStorage__blobServiceUri) {
    problems.push({
      field: 'ArchiveStorage',
      message: 'set a connection string, or ArchiveStorage__blobServiceUri for managed identity',
    });
  }
  return problems;
}

/**
 * Reads and validates settings. Throws one ConfigError naming every bad setting; the messages describe what is
 * expected and never echo a value, since some settings are secrets.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const result = schema.safeParse(env);
  const problems: FieldProblem[] = [
    ...(result.error?.issues ?? []).map((issue) => ({
      field: issue.path.join('.') || '(settings)',
      message: issue.input === undefined ? 'is required' : issue.message,
    })),
    ...connectionProblems(env),
  ];
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}
