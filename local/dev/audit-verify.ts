/**
 * `npm run audit:verify -- --tenant <id>`: asks the running app to verify a tenant's audit trail in both sinks
 * (`GET /api/v1/audit/verify`) and prints what it found: each sink's records, checkpoints and unsigned tail, and the
 * first record at fault. Exit code 0 when both sinks are intact, 1 when one is not, 2 when verification could not run.
 *
 *   --tenant <id>     the tenant (`operator-environment` for the operator environment's own chain)
 *   --url <base>      the app (default http://localhost:<Host.LocalHttpPort or 7071>, where `npm start` serves it)
 *   --key <key>       a function key (default: the local host's, from .local/host-keys.json; or AUDIT_VERIFY_KEY)
 *   --json            print the report as JSON
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readLocalSettings } from './local-settings';

interface SinkReport {
  sink: string;
  ok: boolean;
  records: number;
  lastSeq: number;
  checkpoints: number;
  lastCheckpointSeq: number;
  unsignedTail: number;
  problem?: { kind: string; position?: number; seq?: number; eventId?: string; detail: string };
  unavailable?: string;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.tenant) {
    console.error(
      'Usage: npm run audit:verify -- --tenant <tenant id> [--url <app>] [--key <function key>] [--json]',
    );
    return 2;
  }
  const root = process.cwd();
  const base =
    values.url ?? `http://localhost:${readLocalSettings(root).settings.Host?.LocalHttpPort ?? 7071}`;
  const key = values.key ?? process.env.AUDIT_VERIFY_KEY ?? localFunctionKey(root);
  const response = await fetch(`${base}/api/v1/audit/verify?tenantId=${encodeURIComponent(values.tenant)}`, {
    headers: key ? { 'x-functions-key': key } : {},
  });
  const body = (await response.json()) as {
    ok?: boolean;
    operator?: SinkReport;
    customer?: SinkReport;
    detail?: string;
  };
  if (!response.ok) {
    console.error(`Verification could not run: ${response.status} ${body.detail ?? ''}`);
    return 2;
  }
  if (values.json) console.log(JSON.stringify(body, null, 2));
  else for (const sink of [body.operator, body.customer]) if (sink) console.log(describe(sink));
  return body.ok ? 0 : 1;
}

function describe(report: SinkReport): string {
  const name = `${report.sink} sink`.padEnd(14);
  if (report.unavailable) return `${name} UNAVAILABLE: ${report.unavailable}`;
  const summary = `${report.records} records, ${report.checkpoints} signed checkpoints (last at ${report.lastCheckpointSeq}), ${report.unsignedTail} after it`;
  if (report.ok) return `${name} intact: ${summary}`;
  const p = report.problem;
  const where = [
    p?.seq === undefined ? undefined : `record ${p.seq}`,
    p?.position === undefined ? undefined : `position ${p.position}`,
    p?.eventId === undefined ? undefined : `event ${p.eventId}`,
  ]
    .filter(Boolean)
    .join(', ');
  return `${name} NOT INTACT: ${p?.kind ?? 'unknown'} at ${where || 'the end'}: ${p?.detail ?? ''}\n${' '.repeat(14)} ${summary}`;
}

function localFunctionKey(root: string): string | undefined {
  try {
    const keys = JSON.parse(readFileSync(join(root, '.local', 'host-keys.json'), 'utf8')) as {
      functionKeys?: { default?: string };
    };
    return keys.functionKeys?.default;
  } catch {
    return undefined;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Verification could not run: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
