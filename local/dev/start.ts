import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PortInUseError, WallClock } from '@mds/platform-kit';
import { type HostHandle, runHost } from '@mds/functions-host';
import { composition } from '../../shared/composition';
import { secretNames } from '../../shared/platform/secret-names';
import { readLocalSettings } from './local-settings';
import { removeIdentityFile, writeIdentityFile } from './identity-file';
import {
  type RunningStack,
  StackPortsInUseError,
  localWebhookSources,
  portsFromSettings,
  startStack,
} from './stack';
import { localOperatorPassword, tokenCommand } from './stack/operators';
import { writeWebhookSecret } from './webhook-secret-files';

/**
 * `npm start`: the local stack on the ports the settings name, then the local Functions host on the compiled app,
 * as `func start` would run it in Azure's place. Ctrl+C (or SIGTERM) stops both.
 */
const root = process.cwd();

/** The app's entry as package.json names it (`main`), compiled by `npm run build`. */
function appEntry(): string {
  const { main } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main?: string };
  if (!main) throw new Error('package.json names no main entry');
  return join(root, main);
}

async function main(): Promise<void> {
  const started = performance.now();
  const { path, settings } = readLocalSettings(root);
  // As the Functions host does: Values become environment variables, without overriding what is already set.
  for (const [name, value] of Object.entries(settings.Values ?? {})) process.env[name] ??= value;
  const port = settings.Host?.LocalHttpPort ?? 7071;

  let stack: RunningStack | undefined;
  let host: HostHandle | undefined;
  let secretFiles: string[] = [];
  let identityFile: string | undefined;
  const shutdown = async (): Promise<void> => {
    await host?.stop();
    await stack?.stop();
    // The endpoint it names is gone; a stale file would only mislead. Only ours: a start that failed because
    // another one runs must leave that one's file alone.
    if (identityFile) await removeIdentityFile(root);
  };
  onStopSignal(shutdown);

  try {
    stack = await startStack({
      clock: new WallClock(),
      ports: portsFromSettings(process.env),
      operator: { tenantId: process.env.OPERATOR_TENANT_ID, audience: process.env.OPERATOR_API_AUDIENCE },
    });
    Object.assign(process.env, stack.settings);
    host = await runHost({ entry: appEntry(), port, appRoot: root });
    secretFiles = await exportWebhookSecrets();
    identityFile = await writeIdentityFile(root, stack.settings);
  } catch (error) {
    await shutdown().catch(() => undefined);
    throw error;
  }

  const simulator = stack.settings.ENTRA_AUTHORITY_HOST;
  console.log(
    [
      '',
      `Local stack and host ready in ${Math.round(performance.now() - started)} ms (settings from ${path}).`,
      `  Health:              http://localhost:${port}/api/health`,
      ...(simulator ? [`  Tenant simulator:    ${simulator}/_sim (control API)`] : []),
      ...secretFiles.map(
        (file) => `  Webhook secret file: ${relative(root, file)} (signs \`npm run demo:order\`)`,
      ),
      `  Host keys file:      ${relative(root, host.keysPath)} (function, admin and system keys; the host's`,
      '                       Durable status URLs carry the system key as `code=`: treat them as secrets)',
      `  Managed identity:    ${relative(root, identityFile)} (\`set -a; . ${relative(root, identityFile)}; set +a\`:`,
      '                       then your own SecretClient with DefaultAzureCredential reaches the local Key Vault)',
      `  Operator API:        http://localhost:${port}/api/v1/docs (the OpenAPI document: /api/v1/openapi.json)`,
      ...consoleLines(stack, port),
      ...operatorTokenLines(stack, port),
      '  Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
}

/**
 * The stack generates the webhook signing secrets at start and keeps them in Key Vault; local senders get them
 * through a git-ignored file of this user's, read here with the app's own Key Vault client.
 */
async function exportWebhookSecrets(): Promise<string[]> {
  const { secrets } = composition().platform;
  return Promise.all(
    localWebhookSources.map(async (source) => {
      const { value } = await secrets.getSecret(secretNames.autopilotWebhookSecret(source));
      if (!value) throw new Error(`Key Vault holds no signing secret for webhook source '${source}'`);
      return writeWebhookSecret(root, source, value);
    }),
  );
}

/** Where the console is and how to sign in to it (the simulator's sign-in page, its certificate trusted first). */
function consoleLines(stack: RunningStack, port: number): string[] {
  const simulator = stack.settings.ENTRA_AUTHORITY_HOST;
  if (!simulator || stack.operators.length === 0) return [];
  return [
    `  Operator console:    http://localhost:${port}/console/`,
    `                       sign in as e.g. lead@operators.example, password ${localOperatorPassword}, then approve`,
    '                       the MFA request; your browser must trust the stack CA',
    `                       (${relative(root, stack.settings.TRUSTED_CA_CERT_PATH ?? '')}) or accept ${simulator} once`,
  ];
}

/** For each seeded operator, what it shows and a one-line command that prints a fresh token of theirs. */
function operatorTokenLines(stack: RunningStack, port: number): string[] {
  if (stack.operators.length === 0) return [];
  const caPath =
    relative(root, stack.settings.TRUSTED_CA_CERT_PATH ?? '') || stack.settings.TRUSTED_CA_CERT_PATH;
  return [
    `  Operator tokens: TOKEN=$(<command>); curl -H "Authorization: Bearer $TOKEN" http://localhost:${port}/api/v1/me`,
    ...stack.operators.flatMap((operator) => [
      `    ${operator.handle.padEnd(9)} ${operator.shows}`,
      `      ${tokenCommand(operator, stack.settings, caPath ?? '')}`,
    ]),
  ];
}

/** The first signal stops everything in order; a second one exits at once. */
function onStopSignal(shutdown: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`\n${signal}: stopping the host and the local stack...`);
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Stopping failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error('npm start failed:', error instanceof Error ? error.message : error);
  if (error instanceof PortInUseError || error instanceof StackPortsInUseError) {
    console.error(
      'Is another `npm start` running? Stop it, or choose other ports in local.settings.json ' +
        '(a copy of local.settings.sample.json: the stand-ins take their ports from its URLs, the host from Host.LocalHttpPort).',
    );
  }
  process.exit(1);
});
