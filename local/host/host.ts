import path from 'node:path';
import { type Clock, WallClock } from '@mds/platform-kit';
import { type FunctionInfo, type RegisteredFunction, loadApp } from './app-loader';
import {
  type DurableClientData,
  type WebhookSettings,
  durableClientData,
  rpcPath,
  webhookPath,
} from './durable/client-data';
import { type InstanceStatus, OrchestrationEngine } from './durable/engine';
import { MemoryInstanceStore } from './durable/instance-store';
import { DurableManagementApi } from './durable/management-api';
import { type TimerLimits, defaultTimerLimits } from './durable/replay';
import { DurableWebhookClient } from './durable/webhook-client';
import { setSystemLogSink } from './functions-core';
import { readHostConfig, resolveSettingReferences } from './host-config';
import { AdminApi, NotInvocableError, directInvocationBlocker } from './http/admin-api';
import { type HttpRoute, HttpFunctionRouter } from './http/http-functions';
import { type RequestHandler, guardedHandler, listen } from './http/listener';
import { presentedKey, sendProblem } from './http/responses';
import { installFunctionsCoreResolver } from './install-core';
import { type InvocationResult, Invoker } from './invoker';
import { type HostKeys, isOneOf, loadOrCreateKeys } from './keys';
import { type LogSink, consoleLogSink } from './logger';
import { TimerTriggers } from './timer-triggers';
import { type InvocationOutcome, registeredTriggerSources } from './trigger-sources';
import { fromTypedData, toTypedData } from './typed-data';
import { waitForInstance } from './instance-waiter';
import { WorkTracker } from './work-tracker';

export interface StartHostOptions {
  /** Module path of the app entry: the fixture's index.ts under jest, `dist/functions/index.js` under node. */
  readonly entry: string;
  /** Defaults to wall time; pass a `VirtualClock` to drive timers and durable timers from a test. */
  readonly clock?: Clock;
  /** Defaults to 0 (an ephemeral port). */
  readonly port?: number;
  /** Directory holding host.json and `.local/`; defaults to the current directory. */
  readonly appRoot?: string;
  /** Defaults to `<appRoot>/host.json`; a missing default file means host.json defaults. */
  readonly hostJsonPath?: string;
  /** Defaults to `<appRoot>/.local/host-keys.json` (git-ignored). */
  readonly keysPath?: string;
  /** App settings, visible to the app as environment variables while the host runs. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Where log lines go; defaults to the console. */
  readonly log?: LogSink;
  /** Overrides `extensions.durableTask.maxConcurrentActivityFunctions`. */
  readonly maxConcurrentActivities?: number;
  /** Durable timer splitting; defaults to the Azure Storage provider's 6 days / 3 days. */
  readonly timerLimits?: Partial<TimerLimits>;
}

export interface DurableHelpers {
  startNew(orchestratorName: string, options?: { input?: unknown; instanceId?: string }): Promise<string>;
  getStatus(instanceId: string, options?: { showHistory?: boolean }): Promise<InstanceStatus | undefined>;
  raiseEvent(instanceId: string, eventName: string, data?: unknown): Promise<void>;
  terminate(instanceId: string, reason: string): Promise<void>;
  purge(instanceId: string): Promise<number>;
  /**
   * The engine's own history of the instance's current execution (event ids, replay flags, inputs; event
   * types by name), which the HTTP API's `showHistory` view leaves out. Undefined for an unknown instance.
   */
  internalHistory(instanceId: string): Record<string, unknown>[] | undefined;
}

export interface HostHandle {
  /** `http://127.0.0.1:<port>`; HTTP functions live under `/<routePrefix>/<route>`. */
  readonly baseUrl: string;
  readonly port: number;
  /** Generated on first start and kept in the keys file. Never log them. */
  readonly keys: HostKeys;
  /** The keys file (`masterKey`, `functionKeys.default`, `systemKeys.durabletask_extension`). */
  readonly keysPath: string;
  readonly clock: Clock;
  readonly functions: readonly FunctionInfo[];
  readonly httpRoutes: readonly HttpRoute[];
  /** The Durable Functions HTTP API, as a client. */
  readonly durable: DurableHelpers;
  /** The data the durable client binding receives (what `df.getClient` is built from). */
  durableClientData(): DurableClientData;
  /** Invokes a non-HTTP, non-orchestrator function in process and returns its result. */
  invoke(functionName: string, input?: unknown): Promise<InvocationOutcome>;
  /**
   * Waits until the instance reaches Completed, Failed or Terminated. Whenever the host is idle and the clock
   * is virtual, the clock jumps to the next due timer. Rejects after `timeoutMs` of real time.
   */
  waitForInstance(instanceId: string, options?: { timeoutMs?: number }): Promise<InstanceStatus>;
  /** Waits until no invocation, episode or queued activity is left (the clock does not move). */
  waitForIdle(options?: { timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

const durableClientBindingTypes = new Set(['durableclient', 'orchestrationclient']);
const servedTriggerTypes = new Set([
  'httptrigger',
  'timertrigger',
  'orchestrationtrigger',
  'activitytrigger',
]);
const stopTimeoutMs = 5000;

/** Sets app settings as environment variables; returns a function that puts the previous values back. */
function applySettings(settings: Readonly<Record<string, string>>): () => void {
  const previous = Object.keys(settings).map((name) => [name, process.env[name]] as const);
  Object.assign(process.env, settings);
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

function outcomeOf(result: InvocationResult): InvocationOutcome {
  const outputs: Record<string, unknown> = {};
  for (const output of result.response.outputData ?? []) {
    if (output.name) outputs[output.name] = fromTypedData(output.data);
  }
  return {
    invocationId: result.invocationId,
    returnValue: fromTypedData(result.response.returnValue),
    outputs,
  };
}

/** Says which triggers and bindings the local host leaves alone, once at start, so nothing fails silently. */
function warnAboutUnservedBindings(functions: readonly RegisteredFunction[], log: LogSink): void {
  for (const fn of functions) {
    const triggerType = fn.trigger.type.toLowerCase();
    if (!servedTriggerTypes.has(triggerType) && !registeredTriggerSources().has(triggerType)) {
      log({
        level: 'warning',
        category: 'host',
        functionName: fn.name,
        message: `No trigger source serves "${fn.trigger.type}"; the function only runs through the admin API.`,
      });
    }
    const unserved = [
      ...fn.extraInputs
        .filter((b) => !durableClientBindingTypes.has(b.type.toLowerCase()))
        .map((b) => `input "${b.type}"`),
      ...fn.extraOutputs.filter((b) => b.type.toLowerCase() !== 'http').map((b) => `output "${b.type}"`),
    ];
    if (unserved.length > 0) {
      log({
        level: 'warning',
        category: 'host',
        functionName: fn.name,
        message: `The local host does not serve the ${unserved.join(', ')} binding(s): inputs arrive empty, outputs are dropped.`,
      });
    }
  }
}

/**
 * Starts the local Functions host in this process: loads the app through the `@azure/functions-core` shim,
 * serves HTTP functions, the admin API and the Durable HTTP API, fires timers on the given clock, runs
 * orchestrations and activities, and starts registered trigger sources.
 */
export async function startHost(options: StartHostOptions): Promise<HostHandle> {
  const appRoot = path.resolve(options.appRoot ?? process.cwd());
  const clock = options.clock ?? new WallClock();
  const log = options.log ?? consoleLogSink();
  const restoreSettings = applySettings(options.settings ?? {});
  const cleanups: (() => Promise<void> | void)[] = [restoreSettings];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const config = await readHostConfig(
      options.hostJsonPath ?? path.join(appRoot, 'host.json'),
      options.hostJsonPath !== undefined,
    );
    installFunctionsCoreResolver();
    const previousSink = setSystemLogSink((level, message) => {
      if (level !== 'none') log({ level, category: 'host', message });
    });
    cleanups.push(() => {
      setSystemLogSink(previousSink);
    });
    const app = loadApp(path.resolve(options.entry));
    const keysPath = options.keysPath ?? path.join(appRoot, '.local', 'host-keys.json');
    const keys = await loadOrCreateKeys(keysPath);
    const work = new WorkTracker((error) =>
      log({ level: 'error', category: 'host', message: 'Background work failed', error }),
    );

    // Filled in once the listeners are up; the client data is only built at invocation time.
    const ports = { main: 0, rpc: 0 };
    const origin = (): string => `http://127.0.0.1:${ports.main}`;
    const webhook = (publicOrigin: string): WebhookSettings => ({
      origin: publicOrigin,
      taskHubName: config.hubName,
      systemKey: keys.durableTaskKey,
    });
    const clientData = (): DurableClientData =>
      durableClientData(webhook(origin()), `http://127.0.0.1:${ports.rpc}`);

    const invoker = new Invoker(
      app,
      log,
      (binding) =>
        durableClientBindingTypes.has(binding.type.toLowerCase())
          ? { string: JSON.stringify(clientData()) }
          : undefined,
      work,
    );
    const engine = new OrchestrationEngine({
      functions: app.functions,
      invoker,
      clock,
      work,
      log,
      store: new MemoryInstanceStore(),
      maxConcurrentActivities: options.maxConcurrentActivities ?? config.maxConcurrentActivities,
      timerLimits: { ...defaultTimerLimits, ...options.timerLimits },
    });
    const timers = new TimerTriggers(app.functions.values(), clock, invoker, work);
    const triggerDataFor = (fn: RegisteredFunction, input: unknown) =>
      fn.trigger.type.toLowerCase() === 'timertrigger'
        ? { json: JSON.stringify(timers.timerPayload(fn, clock.now(), undefined)) }
        : toTypedData(input);
    const invokeDirect = async (
      functionName: string,
      input: unknown,
      reason: string,
      triggerMetadata?: Record<string, unknown>,
    ): Promise<InvocationOutcome> => {
      const fn = app.functions.get(functionName);
      if (!fn) throw new NotInvocableError(`No function named "${functionName}".`);
      const blocker = directInvocationBlocker(fn);
      if (blocker) throw new NotInvocableError(blocker);
      const metadata =
        triggerMetadata &&
        Object.fromEntries(
          Object.entries(triggerMetadata).flatMap(([k, v]) =>
            v === undefined ? [] : [[k, toTypedData(v) ?? {}]],
          ),
        );
      return outcomeOf(
        await invoker.invoke(fn, {
          triggerData: triggerDataFor(fn, input),
          triggerMetadata: metadata,
          reason,
        }),
      );
    };

    const router = new HttpFunctionRouter(app.functions.values(), config.routePrefix, keys, invoker);
    const api = new DurableManagementApi(engine, webhook);
    const admin = new AdminApi(app.functions, keys, (fn, input) =>
      work.spawn(() => invoker.invoke(fn, { triggerData: triggerDataFor(fn, input), reason: 'Admin API' })),
    );

    const guard = (handler: RequestHandler) => guardedHandler(handler, log);
    const main = await listen(
      'Functions host',
      '127.0.0.1',
      options.port ?? 0,
      guard(async (req, res, url) => {
        if (url.pathname.startsWith('/admin/')) return admin.handle(req, res, url);
        if (url.pathname.startsWith(`${webhookPath}/`)) {
          if (!isOneOf(presentedKey(req, url), [keys.durableTaskKey, keys.masterKey])) {
            sendProblem(
              res,
              401,
              'The Durable Functions HTTP API requires the system key (code query parameter).',
              { instance: url.pathname },
            );
            return;
          }
          return api.handle(req, res, url, url.pathname.slice(webhookPath.length + 1), url.origin);
        }
        return router.handle(req, res, url);
      }),
    );
    cleanups.push(() => main.close());
    // Like the extension's local RPC endpoint: loopback only, no key, used by the durable client binding.
    const rpc = await listen(
      'Functions host (Durable RPC endpoint)',
      '127.0.0.1',
      0,
      guard(async (req, res, url) => {
        if (!url.pathname.startsWith(rpcPath)) {
          sendProblem(res, 404, `No RPC API at ${url.pathname}.`, { instance: url.pathname });
          return;
        }
        return api.handle(req, res, url, url.pathname.slice(rpcPath.length), origin());
      }),
    );
    cleanups.push(() => rpc.close());
    ports.main = main.port;
    ports.rpc = rpc.port;
    // The platform sets WEBSITE_HOSTNAME; durable-functions reads it to keep management URLs on this host.
    cleanups.push(applySettings({ WEBSITE_HOSTNAME: `127.0.0.1:${main.port}` }));

    await invoker.runAppHook('appStart', appRoot);
    cleanups.push(() => invoker.runAppHook('appTerminate', appRoot));
    // Cleanups run in reverse: triggers and the engine stop first, then work in flight gets a bounded grace
    // period (so a test never leaks it), then the app-terminate hooks, then the listeners close.
    cleanups.push(() =>
      work
        .waitForIdle(stopTimeoutMs)
        .catch((error: unknown) =>
          log({ level: 'warning', category: 'host', message: 'Stopping with work in flight', error }),
        ),
    );
    cleanups.push(() => engine.stop());
    timers.start();
    cleanups.push(() => timers.stop());

    const functions = [...app.functions.values()];
    warnAboutUnservedBindings(functions, log);
    for (const [triggerType, factory] of registeredTriggerSources()) {
      const served = functions.filter((f) => f.trigger.type.toLowerCase() === triggerType);
      if (served.length === 0) continue;
      const source = await factory({
        triggerType,
        functions: served,
        clock,
        log,
        resolveSetting: (value) => resolveSettingReferences(value),
        invoke: (name, input, metadata) => invokeDirect(name, input, `${triggerType} message`, metadata),
      });
      cleanups.push(() => source.stop());
    }

    const webhookClient = new DurableWebhookClient(origin(), keys.durableTaskKey);
    let stopped: Promise<void> | undefined;
    return {
      baseUrl: origin(),
      port: main.port,
      keys,
      keysPath,
      clock,
      functions: functions.map(({ name, trigger, extraInputs, extraOutputs }) => ({
        name,
        trigger,
        extraInputs,
        extraOutputs,
      })),
      httpRoutes: router.routes,
      durable: {
        startNew: (name, startOptions) => webhookClient.startNew(name, startOptions),
        getStatus: (id, statusOptions) => webhookClient.getStatus(id, statusOptions),
        raiseEvent: (id, eventName, data) => webhookClient.raiseEvent(id, eventName, data),
        terminate: (id, reason) => webhookClient.terminate(id, reason),
        purge: (id) => webhookClient.purge(id),
        internalHistory: (id) => engine.history(id),
      },
      durableClientData: clientData,
      invoke: (name, input) => invokeDirect(name, input, 'Invoked by the test host handle'),
      waitForInstance: (instanceId, { timeoutMs = 10_000 } = {}) =>
        waitForInstance(engine, work, clock, instanceId, timeoutMs),
      waitForIdle: ({ timeoutMs = 10_000 } = {}) => work.waitForIdle(timeoutMs),
      stop() {
        stopped ??= cleanUp();
        return stopped;
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
