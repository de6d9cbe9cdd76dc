/**
 * The local host leans on internals of @azure/functions and durable-functions (DESIGN.md §3.1). This suite
 * pins both versions and checks each internal contract directly against the libraries, so an upgrade
 * fails here with a plain message instead of somewhere deep in a durable test.
 */
import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type RegisteredFunction, loadApp } from '../app-loader';
import { durableClientData } from '../durable/client-data';
import { type HistoryEvent, history } from '../durable/history';
import { type RpcBindingInfo, getProgrammingModel } from '../functions-core';
import { fixtures } from './support';

type Pinned = '@azure/functions' | 'durable-functions';
const pins: Record<Pinned, { version: string; reverify: string }> = {
  '@azure/functions': {
    version: '4.16.5',
    reverify: 'local/host (functions-core shim, invoker, HTTP conversion)',
  },
  'durable-functions': { version: '3.5.0', reverify: 'local/host/durable' },
};

/** Fails with the plain message an upgrade should produce. */
function contract(pkg: Pinned, holds: boolean, what: string): void {
  if (!holds)
    throw new Error(
      `${pkg} changed from ${pins[pkg].version}; re-verify ${pins[pkg].reverify} against DESIGN.md §3.1 (${what}).`,
    );
}

function installedVersion(pkg: Pinned): string {
  const manifest = path.join(__dirname, '..', '..', '..', 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const app = loadApp(path.join(fixtures, 'contract-app', 'index.ts'));

function registered(name: string): RegisteredFunction {
  const fn = app.functions.get(name);
  if (!fn) throw new Error(`contract fixture lost ${name}`);
  return fn;
}

function binding(
  fn: RegisteredFunction,
  predicate: (b: RpcBindingInfo) => boolean,
): RpcBindingInfo | undefined {
  return Object.values(fn.metadata.bindings).find(predicate);
}

/** Runs an orchestrator callback exactly as the worker would: invocation model, no host in between. */
async function runOrchestrator(
  name: string,
  events: HistoryEvent[],
  limits = { short: '6.00:00:00', interval: '3.00:00:00' },
) {
  const fn = registered(name);
  const lastStart = events.map((e) => e.EventType).lastIndexOf(12);
  const payload = {
    history: events.map((e, i) => ({ ...e, IsPlayed: i < lastStart })),
    input: null,
    instanceId: 'contract-1',
    isReplaying: lastStart > 0,
    parentInstanceId: null,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 3,
    longRunningTimerIntervalDuration: limits.interval,
    maximumShortTimerDuration: limits.short,
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
  const model = getProgrammingModel().getInvocationModel({
    invocationId: 'contract-invocation',
    request: { inputData: [{ name: fn.trigger.name, data: { string: JSON.stringify(payload) } }] },
    metadata: { ...fn.metadata, functionId: fn.name },
    log: () => undefined,
  });
  const { context, inputs } = await model.getArguments();
  try {
    const result = await model.invokeFunction(context, inputs, fn.callback);
    const response = await model.getResponse(context, result);
    return {
      state: JSON.parse(response.returnValue?.json ?? 'null') as Record<string, unknown>,
      error: undefined,
    };
  } catch (error) {
    return { state: undefined, error: error as Error };
  }
}

function outOfProcData(error: Error | undefined): Record<string, unknown> | undefined {
  const message = error?.message ?? '';
  const at = message.indexOf('$OutOfProcData$:');
  return at < 0
    ? undefined
    : (JSON.parse(message.slice(at + '$OutOfProcData$:'.length)) as Record<string, unknown>);
}

const start = (): HistoryEvent[] => [
  history.orchestratorStarted(t0),
  history.executionStarted(t0, 'contractOrchestrator', null),
];
const actionsOf = (state: Record<string, unknown> | undefined): Record<string, unknown>[] =>
  ((state?.actions as unknown[][] | undefined)?.[0] ?? []) as Record<string, unknown>[];

describe('contract with @azure/functions and durable-functions', () => {
  it('runs against the pinned library versions', () => {
    for (const pkg of Object.keys(pins) as Pinned[]) {
      const installed = installedVersion(pkg);
      contract(pkg, installed === pins[pkg].version, `installed ${installed}`);
    }
  });

  it('@azure/functions registers through the functions-core shim with the expected metadata', () => {
    const model = getProgrammingModel();
    contract(
      '@azure/functions',
      model.name === '@azure/functions' && model.version === pins['@azure/functions'].version,
      'setProgrammingModel',
    );

    const http = registered('contractHttp');
    const httpTrigger = binding(http, (b) => b.type === 'httpTrigger');
    contract(
      '@azure/functions',
      httpTrigger?.direction === 'in' &&
        httpTrigger.route === 'contract/{id}' &&
        isDeepStrictEqual(httpTrigger.methods, ['GET']) &&
        httpTrigger.authLevel === 'function',
      'HTTP trigger metadata: route, methods, authLevel',
    );
    contract(
      '@azure/functions',
      http.metadata.bindings.$return?.type === 'http' && http.metadata.bindings.$return.direction === 'out',
      'HTTP $return binding',
    );

    const timer = binding(registered('contractTimer'), (b) => b.type === 'timerTrigger');
    contract(
      '@azure/functions',
      timer?.schedule === '0 0 * * * *' && timer.runOnStartup === false,
      'timer trigger metadata',
    );

    contract(
      'durable-functions',
      binding(registered('contractOrchestrator'), (b) => b.type === 'orchestrationTrigger') !== undefined,
      'orchestrationTrigger binding',
    );
    contract(
      'durable-functions',
      binding(registered('contractActivity'), (b) => b.type === 'activityTrigger') !== undefined,
      'activityTrigger binding',
    );
    contract(
      'durable-functions',
      binding(registered('contractClient'), (b) => b.type === 'durableClient' && b.direction === 'in') !==
        undefined,
      'durableClient input binding',
    );
  });

  it('@azure/functions exposes the invocation model the host drives', () => {
    const fn = registered('contractActivity');
    const model = getProgrammingModel().getInvocationModel({
      invocationId: 'contract-model',
      request: { inputData: [] },
      metadata: { ...fn.metadata, functionId: fn.name },
      log: () => undefined,
    });
    const methods = ['getArguments', 'invokeFunction', 'getResponse'] as const;
    contract(
      '@azure/functions',
      methods.every((m) => typeof model[m] === 'function'),
      'getInvocationModel → getArguments/invokeFunction/getResponse',
    );
  });

  it('durable-functions takes the orchestrator input and returns OrchestratorState as measured', async () => {
    const first = await runOrchestrator('contractOrchestrator', start());
    contract(
      'durable-functions',
      first.state !== undefined &&
        first.state.isDone === false &&
        first.state.schemaVersion === 3 &&
        Array.isArray(first.state.actions),
      'OrchestratorState {isDone, actions, schemaVersion} for upperSchemaVersionNew 3',
    );
    contract(
      'durable-functions',
      isDeepStrictEqual(actionsOf(first.state), [
        { actionType: 0, functionName: 'contractActivity', input: '"x"' },
      ]),
      'CallActivity action with JSON-encoded string input',
    );
  });

  it('durable-functions numbers activities and timers from one counter and gives external events none', async () => {
    const events = start();
    events.push(
      history.taskScheduled(t0, 0, 'contractActivity', 'x'),
      history.orchestratorStarted(t0 + 1000),
      history.completed(t0 + 1000, 'activity', 0, 'done x'),
    );
    const afterActivity = await runOrchestrator('contractOrchestrator', events);
    const timerAction = actionsOf(afterActivity.state)[1];
    contract(
      'durable-functions',
      timerAction?.actionType === 5 && timerAction.fireAt === new Date(t0 + 61_000).toISOString(),
      'CreateTimer action after a TaskCompleted (timer at id 1)',
    );

    events.push(
      history.timerCreated(t0 + 1000, 1, t0 + 61_000),
      history.orchestratorStarted(t0 + 61_000),
      history.timerFired(t0 + 61_000, 1, t0 + 61_000),
    );
    const afterTimer = await runOrchestrator('contractOrchestrator', events);
    contract(
      'durable-functions',
      isDeepStrictEqual(actionsOf(afterTimer.state)[2], {
        actionType: 6,
        externalEventName: 'Approval',
        reason: 'ExternalEvent',
      }),
      'WaitForExternalEvent action',
    );

    events.push(
      history.orchestratorStarted(t0 + 62_000),
      history.eventRaised(t0 + 62_000, 'Approval', '"ok"'),
    );
    const afterEvent = await runOrchestrator('contractOrchestrator', events);
    contract(
      'durable-functions',
      actionsOf(afterEvent.state)[3]?.functionName === 'contractActivity',
      'activity after EventRaised',
    );

    // The event took no id, so the second activity is id 2.
    events.push(
      history.taskScheduled(t0 + 62_000, 2, 'contractActivity', 'y'),
      history.orchestratorStarted(t0 + 63_000),
      history.completed(t0 + 63_000, 'activity', 2, 'done y'),
    );
    const done = await runOrchestrator('contractOrchestrator', events);
    contract(
      'durable-functions',
      done.state?.isDone === true && isDeepStrictEqual(done.state.output, ['done x', 'ok', 'done y']),
      'event ids: activity 0, timer 1, activity 2',
    );
  });

  it('durable-functions gives each retry timer and each retry attempt the next event id', async () => {
    const events: HistoryEvent[] = [
      history.orchestratorStarted(t0),
      history.executionStarted(t0, 'contractRetry', null),
    ];
    const first = await runOrchestrator('contractRetry', events);
    const action = actionsOf(first.state)[0];
    contract(
      'durable-functions',
      action?.actionType === 1 &&
        isDeepStrictEqual(action.retryOptions, {
          firstRetryIntervalInMilliseconds: 1000,
          maxNumberOfAttempts: 2,
        }) &&
        action.input === '"r"',
      'CallActivityWithRetry action with retryOptions',
    );
    events.push(
      history.taskScheduled(t0, 0, 'contractActivity', 'r'),
      history.orchestratorStarted(t0 + 1),
      history.failed(t0 + 1, 'activity', 0, { reason: 'no', details: '' }),
    );
    events.push(
      history.timerCreated(t0 + 1, 1, t0 + 1001),
      history.orchestratorStarted(t0 + 1001),
      history.timerFired(t0 + 1001, 1, t0 + 1001),
    );
    events.push(
      history.taskScheduled(t0 + 1001, 2, 'contractActivity', 'r'),
      history.orchestratorStarted(t0 + 1002),
      history.completed(t0 + 1002, 'activity', 2, 'ok'),
    );
    const done = await runOrchestrator('contractRetry', events);
    contract(
      'durable-functions',
      done.state?.isDone === true && done.state.output === 'ok',
      'retry: attempt 0, retry timer 1, attempt 2',
    );
  });

  it('durable-functions splits long timers into intervals with their own ids', async () => {
    const day = 86_400_000;
    const events: HistoryEvent[] = [
      history.orchestratorStarted(t0),
      history.executionStarted(t0, 'contractLongTimer', null),
    ];
    const first = await runOrchestrator('contractLongTimer', events);
    contract(
      'durable-functions',
      isDeepStrictEqual(actionsOf(first.state), [
        { actionType: 5, fireAt: new Date(t0 + 10 * day).toISOString(), isCanceled: false },
      ]),
      'CreateTimer keeps the final fireAt',
    );
    for (const [id, at] of [
      [0, 3],
      [1, 6],
      [2, 10],
    ] as const) {
      events.push(
        history.timerCreated(t0, id, t0 + at * day),
        history.orchestratorStarted(t0 + at * day),
        history.timerFired(t0 + at * day, id, t0 + at * day),
      );
    }
    const done = await runOrchestrator('contractLongTimer', events);
    contract(
      'durable-functions',
      done.state?.isDone === true && done.state.output === 'woke',
      'long timer: intervals at +3d, +6d, then the final +10d, ids 0..2',
    );
  });

  it('durable-functions silently waits when a completion carries an unknown id', async () => {
    const events = [
      ...start(),
      history.taskScheduled(t0, 0, 'contractActivity', 'x'),
      history.orchestratorStarted(t0 + 1),
      history.completed(t0 + 1, 'activity', 7, 'wrong'),
    ];
    const stalled = await runOrchestrator('contractOrchestrator', events);
    contract(
      'durable-functions',
      stalled.error === undefined && stalled.state?.isDone === false && actionsOf(stalled.state).length === 1,
      'no error on a wrong event id',
    );
  });

  it('durable-functions throws $OutOfProcData$ with the state when an orchestrator fails', async () => {
    const events = [
      history.orchestratorStarted(t0),
      history.executionStarted(t0, 'contractFailing', null),
      history.taskScheduled(t0, 0, 'contractActivity', 'x'),
      history.orchestratorStarted(t0 + 1),
      history.completed(t0 + 1, 'activity', 0, 'done x'),
    ];
    const failed = await runOrchestrator('contractFailing', events);
    const state = outOfProcData(failed.error);
    contract('durable-functions', state !== undefined, 'failure message carries $OutOfProcData$:');
    contract(
      'durable-functions',
      state?.isDone === false && state.error === 'contract failure' && actionsOf(state).length === 1,
      'state after $OutOfProcData$',
    );
  });

  it('durable-functions reads TaskFailed from Reason and Details', async () => {
    const events = [
      ...start(),
      history.taskScheduled(t0, 0, 'contractActivity', 'x'),
      history.orchestratorStarted(t0 + 1),
      history.failed(t0 + 1, 'activity', 0, { reason: 'boom', details: 'detail' }),
    ];
    const failed = await runOrchestrator('contractOrchestrator', events);
    contract(
      'durable-functions',
      outOfProcData(failed.error)?.error === 'boom \n detail',
      'TaskFailed → Error(`${Reason} \\n ${Details}`)',
    );
  });

  it('durable-functions uses rpcBaseUrl and rewrites management URLs unless WEBSITE_HOSTNAME is set', () => {
    const clientInput = df.input.durableClient();
    const data = durableClientData(
      { origin: 'http://127.0.0.1:9999', taskHubName: 'Hub', systemKey: 'k' },
      'http://127.0.0.1:9998',
    );
    const clientFor = () => {
      const context = new InvocationContext({
        options: {
          trigger: { type: 'httpTrigger', name: 'req' },
          extraInputs: [clientInput],
          extraOutputs: [],
        },
      });
      context.extraInputs.set(clientInput, data);
      return df.getClient(context);
    };
    const previous = process.env.WEBSITE_HOSTNAME;
    try {
      delete process.env.WEBSITE_HOSTNAME;
      const corrected = clientFor().createHttpManagementPayload('abc').statusQueryGetUri;
      contract(
        'durable-functions',
        corrected.startsWith('http://localhost:7071/runtime/webhooks/durabletask/instances/abc?'),
        'getClient rewrites origins without WEBSITE_HOSTNAME',
      );
      process.env.WEBSITE_HOSTNAME = '127.0.0.1:9999';
      const kept = clientFor().createHttpManagementPayload('abc').statusQueryGetUri;
      contract(
        'durable-functions',
        kept.startsWith('http://127.0.0.1:9999/runtime/webhooks/durabletask/instances/abc?'),
        'getClient keeps origins with WEBSITE_HOSTNAME',
      );
      const startNew = (Object.getPrototypeOf(clientFor()) as { startNew?: unknown }).startNew;
      const source = typeof startNew === 'function' ? startNew.toString() : '';
      contract(
        'durable-functions',
        source.includes('rpcBaseUrl') && source.includes('orchestrators/'),
        'startNew posts to rpcBaseUrl orchestrators/{name}',
      );
    } finally {
      if (previous === undefined) delete process.env.WEBSITE_HOSTNAME;
      else process.env.WEBSITE_HOSTNAME = previous;
    }
  });
});
