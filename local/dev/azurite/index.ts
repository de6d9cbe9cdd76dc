import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { PortInUseError } from '@mds/platform-kit';

/** Azurite's published development account; a public constant like the Cosmos emulator key. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** 0 (the default for each) picks a free port. */
  ports?: { blob: number; queue: number; table: number };
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 15 s. */
  startTimeoutMs?: number;
  /**
   * Storage accounts besides the development account (Azurite's `AZURITE_ACCOUNTS`), e.g. a customer's account for
   * the customer side of the audit trail. Keys are base64.
   */
  extraAccounts?: readonly { name: string; key: string }[];
}

export interface RunningAzurite {
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  /** An explicit connection string (not `UseDevelopmentStorage=true`, which fixes the default ports). */
  connectionString: string;
  /** The blob endpoint of another account of this Azurite (one of `extraAccounts`). */
  blobEndpointOf(account: string): string;
  stop(): Promise<void>;
}

type Service = 'Blob' | 'Queue' | 'Table';
const services: Service[] = ['Blob', 'Queue', 'Table'];

/**
 * Exits the child when its parent goes away, however abruptly: the IPC channel closes with the parent, so a
 * killed test run or `npm start` never leaves an orphan holding the storage ports.
 */
const exitWithParent = `data:text/javascript,process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'))`;

/**
 * Starts Azurite (Blob, Queue, Table) in memory as a child process. In-process would start ~300 ms sooner, but
 * loading Azurite loads applicationinsights, whose diagnostic channel patches `console` and the Azure SDKs of the
 * whole process; a child keeps that away from the app and starts on the other core while the rest of the stack
 * starts here.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const host = options.host ?? '127.0.0.1';
  const ports = options.ports ?? { blob: 0, queue: 0, table: 0 };
  const child = spawn(
    process.execPath,
    [
      '--import',
      exitWithParent,
      require.resolve('azurite/dist/src/azurite.js'),
      '--silent',
      '--inMemoryPersistence',
      // The newest storage SDKs send API versions this Azurite release does not know yet.
      '--skipApiVersionCheck',
      '--disableTelemetry',
      ...services.flatMap((s) => [
        `--${s.toLowerCase()}Host`,
        host,
        `--${s.toLowerCase()}Port`,
        String(ports[lower(s)]),
      ]),
    ],
    // Detached: its own process group, so Ctrl+C in a terminal reaches only us and we shut it down in order.
    {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
      env: options.extraAccounts?.length
        ? {
            ...process.env,
            // Setting the variable replaces the default account, so it is listed too.
            AZURITE_ACCOUNTS: [{ name: AZURITE_ACCOUNT, key: AZURITE_ACCOUNT_KEY }, ...options.extraAccounts]
              .map((a) => `${a.name}:${a.key}`)
              .join(';'),
          }
        : process.env,
    },
  );
  try {
    const endpoints = await listeningEndpoints(child, ports, options.startTimeoutMs ?? 15_000);
    const accountEndpoints = Object.fromEntries(
      services.map((s) => [s, `${endpoints[s]}/${AZURITE_ACCOUNT}`]),
    ) as Record<Service, string>;
    return {
      blobEndpoint: accountEndpoints.Blob,
      queueEndpoint: accountEndpoints.Queue,
      tableEndpoint: accountEndpoints.Table,
      connectionString: [
        'DefaultEndpointsProtocol=http',
        `AccountName=${AZURITE_ACCOUNT}`,
        `AccountKey=${AZURITE_ACCOUNT_KEY}`,
        ...services.map((s) => `${s}Endpoint=${accountEndpoints[s]}`),
      ].join(';'),
      blobEndpointOf: (account) => `${endpoints.Blob}/${account}`,
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

function lower(service: Service): 'blob' | 'queue' | 'table' {
  return service.toLowerCase() as 'blob' | 'queue' | 'table';
}

/** Azurite announces each service as `Azurite <Service> service is successfully listening at <url>`. */
async function listeningEndpoints(
  child: ChildProcess,
  ports: Record<'blob' | 'queue' | 'table', number>,
  timeoutMs: number,
): Promise<Record<Service, string>> {
  const found: Partial<Record<Service, string>> = {};
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      // Azurite says only `listen EADDRINUSE: address already in use 127.0.0.1:10000`; name the service.
      const taken = /EADDRINUSE[^\n]*?\s(\S+):(\d+)/.exec(stderr);
      if (taken) {
        const port = Number(taken[2]);
        const service = services.find((s) => ports[lower(s)] === port);
        reject(new PortInUseError(`Azurite (${service ?? 'Storage'})`, taken[1] ?? '', port));
        return;
      }
      reject(new Error(`Azurite ${why}${stderr ? `: ${stderr.trim().split('\n')[0]}` : ''}`));
    };
    child.once('error', (error) => fail(error.message));
    // `close`, not `exit`: by then its stderr, which says why, has been read.
    child.once('close', (code) => fail(`exited with code ${code}`));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      for (const match of stdout.matchAll(
        /Azurite (Blob|Queue|Table) service is successfully listening at (\S+)/g,
      )) {
        found[match[1] as Service] = match[2];
      }
      if (services.every((s) => found[s])) {
        clearTimeout(timer);
        child.removeAllListeners('close');
        child.removeAllListeners('error');
        // Keep draining its output so that its shutdown messages never block on a full pipe.
        child.stdout?.removeAllListeners('data').resume();
        resolve(found as Record<Service, string>);
      }
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // Closing the channel makes it shut its servers down and exit (see `exitWithParent`).
  if (child.connected) child.disconnect();
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
