import path from 'node:path';
import { WallClock } from '@mds/platform-kit';
import { type HostHandle, type StartHostOptions, startHost } from './host';
import { consoleLogSink } from './logger';

export interface RunHostOptions extends Omit<StartHostOptions, 'clock' | 'port'> {
  /** `Host.LocalHttpPort` from local.settings.json; defaults to 7071 like Core Tools. */
  readonly port?: number;
}

/**
 * `npm start`: the host on wall time and a fixed port, listing every function (URLs for HTTP functions,
 * the trigger type for the rest). Keys are never printed; they are in the keys file.
 */
export async function runHost(options: RunHostOptions): Promise<HostHandle> {
  const log = options.log ?? consoleLogSink();
  const handle = await startHost({ ...options, log, clock: new WallClock(), port: options.port ?? 7071 });
  const publicBase = `http://localhost:${handle.port}`;
  const lines = handle.functions.map((fn) => {
    const route = handle.httpRoutes.find((r) => r.functionName === fn.name);
    return route
      ? `  ${fn.name}: [${route.methods.join(',')}] ${publicBase}/${route.route}`
      : `  ${fn.name}: ${fn.trigger.type}`;
  });
  log({ level: 'information', category: 'host', message: `Functions:\n${lines.join('\n')}` });
  log({
    level: 'information',
    category: 'host',
    message: `Host started on ${publicBase} (keys in ${path.relative(process.cwd(), handle.keysPath) || handle.keysPath}).`,
  });
  return handle;
}
