import {
  type CapturedApp,
  type FunctionCallback,
  type FunctionMetadata,
  type RpcBindingInfo,
  captureApp,
  registrationsOutsideLoads,
} from './functions-core';

/** A binding's options (route, schedule, queueName, connection, ...) as the library registered them. */
export interface BindingOptions {
  readonly name: string;
  readonly type: string;
  readonly [option: string]: unknown;
}

/** Captured metadata of one function, as a trigger source or a test sees it. */
export interface FunctionInfo {
  readonly name: string;
  readonly trigger: BindingOptions;
  readonly extraInputs: readonly BindingOptions[];
  readonly extraOutputs: readonly BindingOptions[];
}

export interface RegisteredFunction extends FunctionInfo {
  readonly metadata: FunctionMetadata;
  readonly callback: FunctionCallback;
}

export interface LoadedApp {
  readonly capture: CapturedApp;
  readonly functions: ReadonlyMap<string, RegisteredFunction>;
}

export class AppLoadError extends Error {
  override readonly name = 'AppLoadError';
}

const returnBindingName = '$return';

function isTriggerType(type: string): boolean {
  return /trigger$/i.test(type);
}

function toOptions(name: string, binding: RpcBindingInfo): BindingOptions {
  return { ...binding, name, type: binding.type ?? '' };
}

function describe(metadata: FunctionMetadata, callback: FunctionCallback): RegisteredFunction {
  const entries = Object.entries(metadata.bindings);
  const trigger = entries.find(([, b]) => isTriggerType(b.type ?? ''));
  if (!trigger) throw new AppLoadError(`Function "${metadata.name}" has no trigger binding.`);
  const others = entries.filter(([name]) => name !== trigger[0] && name !== returnBindingName);
  return {
    name: metadata.name,
    trigger: toOptions(...trigger),
    extraInputs: others.filter(([, b]) => b.direction === 'in').map(([n, b]) => toOptions(n, b)),
    extraOutputs: others.filter(([, b]) => b.direction === 'out').map(([n, b]) => toOptions(n, b)),
    metadata,
    callback,
  };
}

/** Loads the app entry the way the worker does (plain `require`) and indexes what it registered. */
export function loadApp(entry: string): LoadedApp {
  const entryPath = require.resolve(entry);
  const capture = captureApp(entryPath, () => {
    // The entry is only known at run time; `require` keeps it in the same module registry (jest's or node's).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(entryPath);
  });
  if (capture.functions.length === 0) {
    throw new AppLoadError(
      `${entryPath} registered no functions (${registrationsOutsideLoads()} registrations happened outside a host load). ` +
        'Was the entry imported before the host started? Import shared state from a separate module instead.',
    );
  }
  const functions = new Map<string, RegisteredFunction>();
  for (const { metadata, callback } of capture.functions) {
    if (functions.has(metadata.name))
      throw new AppLoadError(`Function "${metadata.name}" is registered twice.`);
    functions.set(metadata.name, describe(metadata, callback));
  }
  return { capture, functions };
}
