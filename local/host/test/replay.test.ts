import { history } from '../durable/history';
import { type Action, ActionType } from '../durable/orchestrator-state';
import { NonDeterminismError, UnsupportedActionError, replay } from '../durable/replay';

const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const limits = { maximumShortTimerMs: 6 * 86_400_000, longRunningTimerIntervalMs: 3 * 86_400_000 };
const activity = (functionName: string, input?: unknown): Action => ({
  actionType: ActionType.CallActivity,
  functionName,
  input,
});
const timer = (at: number, isCanceled = false): Action => ({
  actionType: ActionType.CreateTimer,
  fireAt: new Date(at).toISOString(),
  isCanceled,
});
const event = (name: string): Action => ({
  actionType: ActionType.WaitForExternalEvent,
  externalEventName: name,
});
const started = (at = t0) => [history.orchestratorStarted(at), history.executionStarted(at, 'orch', null)];

describe('replay of orchestrator actions against history', () => {
  it('gives activities and timers one id each from a single counter, and events none', () => {
    const actions: Action[] = [
      {
        actionType: ActionType.WhenAll,
        compoundActions: [activity('a'), event('E'), timer(t0 + 1000), activity('b')],
      },
    ];
    const result = replay(actions, started(), limits);
    expect(result.newDecisions).toEqual([
      { kind: 'activity', id: 0, name: 'a', input: undefined },
      { kind: 'timer', id: 1, fireAt: t0 + 1000 },
      { kind: 'activity', id: 2, name: 'b', input: undefined },
    ]);
  });

  it('decodes the JSON-encoded string inputs durable-functions sends for activities', () => {
    const result = replay([activity('a', JSON.stringify('text'))], started(), limits);
    expect(result.newDecisions[0]).toMatchObject({ input: 'text' });
  });

  it('schedules the next top-level action only after the previous one completed in history', () => {
    const events = [
      ...started(),
      history.taskScheduled(t0, 0, 'a', null),
      history.orchestratorStarted(t0 + 5),
      history.completed(t0 + 5, 'activity', 0, 1),
    ];
    const result = replay([activity('a'), activity('b')], events, limits);
    expect(result.newDecisions).toEqual([{ kind: 'activity', id: 1, name: 'b', input: undefined }]);
  });

  it('reports a different action at a known id as non-determinism, naming both', () => {
    const events = [...started(), history.taskScheduled(t0, 0, 'a', null)];
    expect(() => replay([timer(t0 + 10)], events, limits)).toThrow(
      new NonDeterminismError(
        "event id 0 is TaskScheduled 'a' (CallActivity) in the history, but the orchestrator now schedules CreateTimer there.",
      ),
    );
  });

  it('reports a scheduled task the replay no longer schedules', () => {
    const events = [
      ...started(),
      history.taskScheduled(t0, 0, 'a', null),
      history.orchestratorStarted(t0 + 5),
      history.completed(t0 + 5, 'activity', 0, 1),
      history.taskScheduled(t0 + 5, 1, 'b', null),
    ];
    expect(() => replay([activity('a')], events, limits)).toThrow(
      /event id 1 is TaskScheduled 'b' \(CallActivity\) in the history, but the orchestrator no longer schedules it/,
    );
  });

  it('reports actions beyond a task the history still shows as running', () => {
    const events = [...started(), history.taskScheduled(t0, 0, 'a', null)];
    expect(() => replay([activity('a'), activity('b')], events, limits)).toThrow(NonDeterminismError);
  });

  it('keeps an external event that arrived before the orchestrator waited for it', () => {
    const early = [...started(), history.eventRaised(t0, 'Go', '1')];
    expect(replay([event('Go'), activity('after')], early, limits).newDecisions).toEqual([
      { kind: 'activity', id: 0, name: 'after', input: undefined },
    ]);
  });

  it('reports canceled pending timers', () => {
    const events = [
      ...started(),
      history.timerCreated(t0, 0, t0 + 1000),
      history.eventRaised(t0 + 1, 'E', null),
    ];
    const actions: Action[] = [
      { actionType: ActionType.WhenAny, compoundActions: [event('E'), timer(t0 + 1000, true)] },
      event('Next'),
    ];
    expect(replay(actions, events, limits).canceledTimers).toEqual([0]);
  });

  it('rejects entity and HTTP actions the local host does not support', () => {
    expect(() => replay([{ actionType: ActionType.CallEntity }], started(), limits)).toThrow(
      UnsupportedActionError,
    );
    expect(() => replay([{ actionType: ActionType.CallHttp }], started(), limits)).toThrow(/callHttp/);
  });
});
