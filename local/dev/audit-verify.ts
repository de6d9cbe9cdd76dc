/**
 * `npm run audit:verify -- --tenant <id>`: asks the running app to verify a tenant's audit trail in both sinks
 * (`GET /api/v1/audit/verify`) and prints what it found: each sink's records, checkpoints and unsigned tail, and the
 * first record at fault. Exit code 0 when both sinks are intact, 1 when one is not, 2 when verification could not run.
 *
 *   --tenant <id>     the tenant (`operator-environment` for the operator environment's own chain)
 *   --url <base>      the app (default http://localhost:<Host.LocalHttpPort or 7071>, where `npm start` serves it)
 *   --token <jwt>     an operator API token with Audit.Read (default: OPERATOR_TOKEN, else the seeded auditor's,
 *                     minted by the local tenant simulator)
 *   --json            print the report as JSON
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parseArgs } from 'node:util';
import { readLocalSettings } from './local-settings';
import { localOperators, tokenRequest } from './stack/operators';

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
      token: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.tenant) {
    console.error(
      'Usage: npm run audit:verify -- --tenant <tenant id> [--url <app>] [--token <operator token>] [--json]',
    );
    return 2;
  }
  const root = process.cwd();
  const base =
    values.url ?? `http://localhost:${readLocalSettings(root).settings.Host?.LocalHttpPort ?? 7071}`;
  const token = values.token ?? process.env.OPERATOR_TOKEN ?? (await localAuditorToken(root));
  const response = await fetch(`${base}/api/v1/audit/verify?tenantId=${encodeURIComponent(values.tenant)}`, {
    headers: { authorization: `Bearer ${token}` },
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

/** The seeded auditor's token from the local tenant simulator's control API (local stack only). */
async function localAuditorToken(root: string): Promise<string> {
  const settings = { ...readLocalSettings(root).settings.Values, ...process.env } as Record<string, string>;
  const auditor = localOperators({ contoso: '', fabrikam: '' }).find((o) => o.handle === 'auditor');
  if (!auditor || !settings.ENTRA_AUTHORITY_HOST)
    throw new Error('No local simulator to ask for a token: pass --token');
  const body = JSON.stringify(tokenRequest(auditor, settings));
  const ca = settings.TRUSTED_CA_CERT_PATH ? readFileSync(settings.TRUSTED_CA_CERT_PATH, 'utf8') : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      `${settings.ENTRA_AUTHORITY_HOST}/_sim/tokens/operator`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, ...(ca ? { ca } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { access_token?: string };
          if (answer.access_token) resolve(answer.access_token);
          else reject(new Error(`The simulator gave no token (${res.statusCode})`));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Verification could not run: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
