import { activity, declareActivities } from '../durable/activity';

/**
 * Telemetry: timer-driven bulk pulls of each tenant's device data. Everything here is orchestration-safe: names,
 * small inputs and outputs (counts, ids), never rows. Rows stream from Graph to storage inside activities.
 */

export const cadences = ['hourly', 'sixHourly', 'daily'] as const;
export type Cadence = (typeof cadences)[number];

/** One timer trigger per cadence; its NCRONTAB schedule is the named setting, resolved by the host. */
export const telemetryTimers = [
  { name: 'telemetryHourly', cadence: 'hourly', scheduleSetting: 'TELEMETRY_HOURLY_SCHEDULE' },
  { name: 'telemetrySixHourly', cadence: 'sixHourly', scheduleSetting: 'TELEMETRY_SIX_HOURLY_SCHEDULE' },
  { name: 'telemetryDaily', cadence: 'daily', scheduleSetting: 'TELEMETRY_DAILY_SCHEDULE' },
] as const satisfies readonly { name: string; cadence: Cadence; scheduleSetting: string }[];

/** How long one period of a cadence lasts: runs are numbered by it, and freshness is judged against it. */
export const cadencePeriodMs: Record<Cadence, number> = {
  hourly: 3_600_000,
  sixHourly: 6 * 3_600_000,
  daily: 24 * 3_600_000,
};

export const telemetrySources = {
  inventory: { cadence: 'hourly', kind: 'pages' },
  users: { cadence: 'hourly', kind: 'pages' },
  defenderMachines: { cadence: 'hourly', kind: 'pages' },
  defenderAgents: { cadence: 'hourly', kind: 'export' },
  qualityUpdates: { cadence: 'sixHourly', kind: 'export' },
  featureUpdates: { cadence: 'sixHourly', kind: 'export' },
  appInventory: { cadence: 'sixHourly', kind: 'export' },
  profileStatus: { cadence: 'sixHourly', kind: 'export' },
  compliance: { cadence: 'sixHourly', kind: 'export' },
  devicePerformance: { cadence: 'daily', kind: 'pages' },
  deviceScores: { cadence: 'daily', kind: 'pages' },
  appHealth: { cadence: 'daily', kind: 'pages' },
} as const satisfies Record<string, { cadence: Cadence; kind: 'pages' | 'export' }>;
export type TelemetrySource = keyof typeof telemetrySources;

export function sourcesOf(cadence: Cadence): TelemetrySource[] {
  return (Object.keys(telemetrySources) as TelemetrySource[]).filter(
    (source) => telemetrySources[source].cadence === cadence,
  );
}

export const telemetryRunOrchestration = 'telemetryRun';
export const telemetryPullOrchestration = 'telemetryPull';

/**
 * The run of a cadence that covers `at`: its period's start. Every firing, restart or second host instance in the
 * same period computes the same id, so a period is pulled once.
 */
export function telemetryRunId(cadence: Cadence, at: number): string {
  const period = cadencePeriodMs[cadence];
  const start = new Date(Math.floor(at / period) * period).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `telemetry:${cadence}:${start}`;
}

export function telemetryPullInstanceId(runId: string, tenantId: string, source: TelemetrySource): string {
  return `${runId}:${tenantId}:${source}`;
}

export interface RunInput {
  cadence: Cadence;
  runId: string;
  /** ISO start of the run's period: the `asOf` the run's data is stamped with when the source gives none. */
  runAt: string;
}

export interface PullInput {
  tenantId: string;
  source: TelemetrySource;
  runId: string;
  runAt: string;
}

/** One export job of a pull: a source may need one per policy (reports that require a PolicyId filter). */
export interface ExportPart {
  /** `all`, or the policy id the job's filter names. */
  part: string;
  jobId: string;
}

export type JobState =
  | { status: 'pending' }
  | { status: 'completed' }
  /** The service ended the job failed, or it vanished: submit it again. */
  | { status: 'failed'; reason: string };

export interface IngestCounts {
  pages: number;
  rows: number;
  changed: number;
  /** When the data was true: the export's completion, or the pull's time for live reads. */
  asOf: string;
  rawBlob: string;
}

export type PullOutcome =
  | ({ tenantId: string; source: TelemetrySource; status: 'succeeded' } & IngestCounts)
  | { tenantId: string; source: TelemetrySource; status: 'failed'; error: string }
  | { tenantId: string; source: TelemetrySource; status: 'skipped'; reason: string };

export interface RunSummary {
  runId: string;
  tenants: number;
  pulls: { succeeded: number; failed: number; skipped: number };
}

export const telemetryActivities = declareActivities({
  listActiveTenants: activity<{ runId: string }, string[]>(),
  /** The parts a source's export needs (`['all']`, or one per ring policy). */
  listExportParts: activity<PullInput, string[]>(),
  /** The tenant's pending job for this source and part, or a new one: never two pending at once. */
  ensureExportJob: activity<PullInput & { part: string }, string>(),
  pollExportJob: activity<PullInput & ExportPart, JobState>(),
  /** Forgets a failed job so that the next ensure submits anew. */
  forgetExportJob: activity<PullInput & ExportPart, void>(),
  /** Streams the source (pages, or the finished jobs' downloads) to Blob and Cosmos; returns counts. */
  ingestSource: activity<PullInput & { jobs: ExportPart[] }, IngestCounts>(),
  recordPull: activity<PullInput & { outcome: PullOutcome }, void>(),
});
