/**
 * Stand-in for `@azure/functions-core`, the virtual module the real Node worker injects into the app.
 * `@azure/functions` calls `setProgrammingModel` once and `registerFunction` for every `app.*` registration;
 * this module records both so the local host can serve and invoke the functions the way the worker would.
 *
 * Jest maps the module name here (jest.config.js); plain node gets it through `install-core.ts`.
 * Only the types this host relies on are declared; they follow the worker's `types-core/index.d.ts`.
 */

export type RpcLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
export type RpcLogCategory = 'user' | 'system' | 'customMetric';

export interface RpcBindingInfo {
  type?: string | null;
  direction?: 'in' | 'out' | 'inout' | null;
  name?: string;
  /** Trigger and binding options (route, methods, schedule, queueName, ...) travel as extra properties. */
  [option: string]: unknown;
}

export interface RpcHttpCookie {
  name?: string | null;
  value?: string | null;
  domain?: { value?: string | null } | null;
  path?: { value?: string | null } | null;
  expires?: { value?: { seconds?: number | null; nanos?: number | null } | null } | null;
  secure?: { value?: boolean | null } | null;
  httpOnly?: { value?: boolean | null } | null;
  sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone' | null;
  maxAge?: { value?: number | null } | null;
}

export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  body?: RpcTypedData | null;
  params?: Record<string, string> | null;
  statusCode?: string | null;
  query?: Record<string, string> | null;
  cookies?: RpcHttpCookie[] | null;
}

export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  stream?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

export interface RpcParameterBinding {
  name?: string | null;
  data?: RpcTypedData | null;
}

export interface RpcInvocationRequest {
  invocationId?: string | null;
  functionId?: string | null;
  inputData?: RpcParameterBinding[] | null;
  triggerMetadata?: Record<string, RpcTypedData> | null;
}

export interface RpcInvocationResponse {
  invocationId?: string | null;
  outputData?: RpcParameterBinding[] | null;
  returnValue?: RpcTypedData | null;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface CoreInvocationContext {
  invocationId: string;
  request: RpcInvocationRequest;
  metadata: FunctionMetadata & { functionId: string };
  state?: 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';
  log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
}

export interface InvocationArguments {
  context: unknown;
  inputs: unknown[];
}

export interface InvocationModel {
  getArguments(): Promise<InvocationArguments>;
  invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: CoreInvocationContext): InvocationModel;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation';
export type HookCallback = (context: Record<string, unknown>) => unknown;

export class Disposable {
  constructor(private readonly callOnDispose: () => unknown) {}

  dispose(): unknown {
    return this.callOnDispose();
  }
}

/** What one app entry registered while it was loaded. */
export interface CapturedApp {
  readonly functions: ReadonlyArray<{ metadata: FunctionMetadata; callback: FunctionCallback }>;
  readonly hooks: ReadonlyArray<{ name: HookName; callback: HookCallback }>;
}

interface MutableCapture {
  functions: { metadata: FunctionMetadata; callback: FunctionCallback }[];
  hooks: { name: HookName; callback: HookCallback }[];
}

type SystemLogSink = (level: RpcLogLevel, message: string) => void;

let programmingModel: ProgrammingModel | undefined;
let capturing: MutableCapture | undefined;
let registeredOutsideLoads = 0;
let systemLog: SystemLogSink = (level, message) => {
  if (level === 'warning' || level === 'error' || level === 'critical') console.warn(message);
};
const hookNames: readonly string[] = ['appStart', 'appTerminate', 'preInvocation', 'postInvocation'];

export function setProgrammingModel(model: ProgrammingModel): void {
  programmingModel = model;
}

export function getProgrammingModel(): ProgrammingModel {
  if (!programmingModel) {
    throw new Error('No programming model was set: the app registered no function through @azure/functions.');
  }
  return programmingModel;
}

export function registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
  // Outside a host load (a unit test importing a registration file) the registration is only counted,
  // the way the library itself skips registering in its test mode.
  if (!capturing) {
    registeredOutsideLoads += 1;
    return new Disposable(() => undefined);
  }
  const entry = { metadata, callback };
  const target = capturing.functions;
  target.push(entry);
  return new Disposable(() => target.splice(target.indexOf(entry), 1));
}

export function registerHook(name: string, callback: HookCallback): Disposable {
  if (!hookNames.includes(name)) {
    // The library turns a RangeError into "requires a newer host" for hooks it knows to be newer.
    throw new RangeError(`The local host does not support "${name}" hooks.`);
  }
  // Like functions, hooks only count when registered while the host loads the app.
  if (!capturing) return new Disposable(() => undefined);
  const target = capturing.hooks;
  const entry = { name: name as HookName, callback };
  target.push(entry);
  return new Disposable(() => target.splice(target.indexOf(entry), 1));
}

export function log(level: RpcLogLevel, _category: RpcLogCategory, message: string): void {
  systemLog(level, message);
}

// ---- host side ------------------------------------------------------------------------------------------

const capturedByEntry = new Map<string, CapturedApp>();

/**
 * Loads an app entry once per process and returns what it registered. Keyed by the resolved entry path:
 * module caching means a second `require` registers nothing, so a second host for the same entry reuses
 * the first capture.
 */
export function captureApp(entryPath: string, load: () => void): CapturedApp {
  const known = capturedByEntry.get(entryPath);
  if (known) return known;
  if (capturing) throw new Error('An app load is already in progress.');
  const capture: MutableCapture = { functions: [], hooks: [] };
  capturing = capture;
  try {
    load();
  } finally {
    capturing = undefined;
  }
  capturedByEntry.set(entryPath, capture);
  return capture;
}

export function hooksFor(app: CapturedApp, name: HookName): HookCallback[] {
  return app.hooks.filter((h) => h.name === name).map((h) => h.callback);
}

/** How many registrations happened outside any host load (explains an app that seems to register nothing). */
export function registrationsOutsideLoads(): number {
  return registeredOutsideLoads;
}

/**
 * Routes the library's own system log lines (warnings about late context.log calls, ...) to the host log.
 * Returns the previous sink so a stopping host can put it back.
 */
export function setSystemLogSink(sink: SystemLogSink): SystemLogSink {
  const previous = systemLog;
  systemLog = sink;
  return previous;
}
