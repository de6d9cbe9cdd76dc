import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import type { BindingOptions, LoadedApp, RegisteredFunction } from './app-loader';
import {
  type CoreInvocationContext,
  type RpcInvocationResponse,
  type RpcLogCategory,
  type RpcLogLevel,
  type RpcParameterBinding,
  type RpcTypedData,
  getProgrammingModel,
  hooksFor,
} from './functions-core';
import type { LogSink } from './logger';
import type { WorkTracker } from './work-tracker';

export interface InvocationRequest {
  /** Trigger payload as the real host would send it (the library converts it into the handler's input). */
  readonly triggerData: RpcTypedData | undefined;
  readonly triggerMetadata?: Record<string, RpcTypedData>;
  /** Why the function runs, for the log line ("HTTP GET /api/x", "Timer fired", ...). */
  readonly reason: string;
}

export interface InvocationResult {
  readonly invocationId: string;
  readonly response: RpcInvocationResponse;
}

export class FunctionInvocationError extends Error {
  override readonly name = 'FunctionInvocationError';

  constructor(
    readonly functionName: string,
    readonly invocationId: string,
    override readonly cause: unknown,
  ) {
    super(
      `Function '${functionName}' failed (invocation ${invocationId}): ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

/** Supplies data for input bindings the host itself serves (the durable client); undefined for others. */
export type ExtraInputResolver = (binding: BindingOptions) => RpcTypedData | undefined;

/**
 * Runs one invocation the way the Node worker does: the library's invocation model builds the arguments,
 * pre-invocation hooks run, the handler runs, post-invocation hooks run, the model builds the response.
 */
export class Invoker {
  private readonly appHookData: Record<string, unknown> = {};

  constructor(
    private readonly app: LoadedApp,
    private readonly log: LogSink,
    private readonly resolveExtraInput: ExtraInputResolver,
    private readonly work: WorkTracker,
  ) {}

  /** Every invocation counts as host work, so "idle" means no function of any kind is running. */
  invoke(fn: RegisteredFunction, request: InvocationRequest): Promise<InvocationResult> {
    return this.work.run(() => this.invokeLogged(fn, request));
  }

  private async invokeLogged(fn: RegisteredFunction, request: InvocationRequest): Promise<InvocationResult> {
    const invocationId = randomUUID();
    const started = performance.now();
    const scope = { functionName: fn.name, invocationId };
    this.log({
      ...scope,
      level: 'information',
      category: 'function',
      message: `Executing 'Functions.${fn.name}' (Reason='${request.reason}', Id=${invocationId})`,
    });
    try {
      const response = await this.execute(fn, invocationId, request);
      const duration = Math.round(performance.now() - started);
      this.log({
        ...scope,
        level: 'information',
        category: 'function',
        message: `Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${duration}ms)`,
      });
      return { invocationId, response };
    } catch (error) {
      const duration = Math.round(performance.now() - started);
      this.log({
        ...scope,
        level: 'error',
        category: 'function',
        message: `Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${duration}ms)`,
        error,
      });
      throw new FunctionInvocationError(fn.name, invocationId, error);
    }
  }

  async runAppHook(name: 'appStart' | 'appTerminate', functionAppDirectory: string): Promise<void> {
    const context = { hookData: this.appHookData, appHookData: this.appHookData, functionAppDirectory };
    for (const hook of hooksFor(this.app.capture, name)) await hook(context);
  }

  private async execute(
    fn: RegisteredFunction,
    invocationId: string,
    request: InvocationRequest,
  ): Promise<RpcInvocationResponse> {
    const inputData: RpcParameterBinding[] = [
      { name: fn.trigger.name, data: request.triggerData },
      ...fn.extraInputs.map((binding) => ({ name: binding.name, data: this.resolveExtraInput(binding) })),
    ];
    const coreContext: CoreInvocationContext = {
      invocationId,
      request: { invocationId, functionId: fn.name, inputData, triggerMetadata: request.triggerMetadata },
      metadata: { ...fn.metadata, functionId: fn.name },
      log: (level, category, message) => this.logFromWorker(fn.name, invocationId, level, category, message),
    };
    const model = getProgrammingModel().getInvocationModel(coreContext);
    const { context, inputs } = await model.getArguments();
    const hookData: Record<string, unknown> = {};
    const pre = {
      hookData,
      appHookData: this.appHookData,
      invocationContext: context,
      inputs,
      functionCallback: fn.callback,
    };
    coreContext.state = 'preInvocationHooks';
    for (const hook of hooksFor(this.app.capture, 'preInvocation')) await hook(pre);

    coreContext.state = 'invocation';
    const post = {
      hookData,
      appHookData: this.appHookData,
      invocationContext: context,
      inputs: pre.inputs,
      result: undefined as unknown,
      error: undefined as unknown,
    };
    try {
      post.result = await model.invokeFunction(context, pre.inputs, pre.functionCallback);
    } catch (error) {
      post.error = error;
    }
    coreContext.state = 'postInvocationHooks';
    for (const hook of hooksFor(this.app.capture, 'postInvocation')) await hook(post);
    coreContext.state = undefined;
    if (post.error !== undefined && post.error !== null) {
      throw post.error instanceof Error ? post.error : new Error(inspect(post.error));
    }
    return model.getResponse(context, post.result);
  }

  private logFromWorker(
    functionName: string,
    invocationId: string,
    level: RpcLogLevel,
    category: RpcLogCategory,
    message: string,
  ): void {
    if (level === 'none') return;
    this.log({
      level,
      category: category === 'user' ? 'user' : 'function',
      functionName,
      invocationId,
      message,
    });
  }
}
