import * as df from 'durable-functions';
import { type OrchestrationContext, type OrchestrationHandler } from 'durable-functions';
import { HarnessError, fail, orchestrationHarness, sequence } from '@mds/durable-harness';

const start = '2026-03-01T08:00:00.000Z';
const t = (ms: number): string => new Date(Date.parse(start) + ms).toISOString();
const minute = 60_000;
const hour = 60 * minute;

function retry(firstMs: number, attempts: number, backoff = 1): df.RetryOptions {
  const options = new df.RetryOptions(firstMs, attempts);
  options.backoffCoefficient = backoff;
  return options;
}

describe('orchestrationHarness', () => {
  it('runs an activity with its input and returns the output, on the virtual clock', async () => {
    const greet: OrchestrationHandler = function* (context: OrchestrationContext) {
      const name = context.df.getInput<string>();
      const startedAt = context.df.currentUtcDateTime.toISOString();
      const greeting: unknown = yield context.df.callActivity('greet', { name });
      return { greeting, startedAt };
    };
    const run = await orchestrationHarness(greet, { input: 'Ada', startAt: start })
      .onActivity('greet', (input: { name: string }, call) => `hello ${input.name} (${call.call})`)
      .run();
    expect(run.status).toBe('Completed');
    expect(run.output).toEqual({ greeting: 'hello Ada (1)', startedAt: start });
    expect(run.calls('greet')).toEqual([
      expect.objectContaining({ input: { name: 'Ada' }, at: new Date(start), result: 'hello Ada (1)' }),
    ]);
    // One episode to schedule, one to complete, each replaying from the start.
    expect(run.episodes).toBe(2);
  });

  it('types scripts by activity declaration and answers a sequence one step per call', async () => {
    const check = { name: 'check' } as { name: string; types?: (input: number) => { ok: boolean } };
    const poll: OrchestrationHandler = function* (context) {
      for (let i = 1; ; i++) {
        const r = (yield context.df.callActivity(check.name, i)) as { ok: boolean };
        if (r.ok) return i;
        yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + minute));
      }
    };
    const run = await orchestrationHarness(poll, { startAt: start })
      .onActivity(check, sequence([{ ok: false }, { ok: false }, { ok: true }]))
      .run();
    expect(run.output).toBe(3);
    expect(run.calls(check).map((c) => c.input)).toEqual([1, 2, 3]);
    expect(run.timers.map((x) => x.fireAt.toISOString())).toEqual([t(minute), t(2 * minute)]);
    expect(run.now.toISOString()).toBe(t(2 * minute));
  });

  it('retries callActivityWithRetry as the host does: a retry timer before each further attempt', async () => {
    const flaky: OrchestrationHandler = function* (context) {
      return (yield context.df.callActivityWithRetry('flaky', retry(1000, 4, 2), 'x')) as unknown;
    };
    const run = await orchestrationHarness(flaky, { startAt: start })
      .onActivity('flaky', sequence([fail('throttled'), fail('throttled'), 'done']))
      .run();
    expect(run.status).toBe('Completed');
    expect(run.output).toBe('done');
    expect(run.calls('flaky').map((c) => c.at.toISOString())).toEqual([start, t(1000), t(3000)]);
    expect(run.calls('flaky')[0]?.failure).toBe("Activity function 'flaky' failed: throttled");
    expect(run.timers.map((x) => [x.createdAt.toISOString(), x.fireAt.toISOString()])).toEqual([
      [start, t(1000)],
      [t(1000), t(3000)],
    ]);
  });

  it('fails the task once the attempts run out; the orchestrator sees the activity error', async () => {
    const flaky: OrchestrationHandler = function* (context) {
      try {
        yield context.df.callActivityWithRetry('flaky', retry(1000, 3), null);
        return 'ok';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const run = await orchestrationHarness(flaky, { startAt: start })
      .onActivity('flaky', () => {
        throw new Error('still down');
      })
      .run();
    expect(run.calls('flaky')).toHaveLength(3);
    // durable-functions expects a retry timer after the last failed attempt too; only then does the task fail.
    expect(run.timers).toHaveLength(3);
    expect(run.now.toISOString()).toBe(t(3000));
    expect(run.output).toMatch(/Activity function 'flaky' failed: still down/);
  });

  it('fires timers when the clock reaches them, and stops at `until` with the run still Running', async () => {
    const sleeper: OrchestrationHandler = function* (context) {
      yield context.df.createTimer(new Date(Date.parse(start) + 2 * hour));
      return context.df.currentUtcDateTime.toISOString();
    };
    const early = await orchestrationHarness(sleeper, { startAt: start }).run({ until: t(hour) });
    expect(early.status).toBe('Running');
    expect(early.now.toISOString()).toBe(t(hour));
    expect(early.timers).toEqual([expect.objectContaining({ fired: false, canceled: false })]);

    const late = await orchestrationHarness(sleeper, { startAt: start }).run();
    expect(late.status).toBe('Completed');
    expect(late.output).toBe(t(2 * hour));
    expect(late.timers[0]?.fired).toBe(true);
  });

  it('splits a timer beyond the short-timer limit into intervals, as durable-functions and the host do', async () => {
    const week: OrchestrationHandler = function* (context) {
      yield context.df.createTimer(new Date(Date.parse(start) + 7 * 24 * hour));
      return context.df.currentUtcDateTime.toISOString();
    };
    const run = await orchestrationHarness(week, { startAt: start }).run();
    expect(run.output).toBe(t(7 * 24 * hour));
    // Seven days left is over the six-day limit: a three-day interval, then the four days that remain.
    expect(run.timers.map((x) => x.fireAt.toISOString())).toEqual([t(3 * 24 * hour), t(7 * 24 * hour)]);
  });

  describe('Task.any of an activity and a timeout', () => {
    const withTimeout: OrchestrationHandler = function* (context) {
      const deadline = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + hour));
      const work = context.df.callActivity('slow', null);
      const winner: unknown = yield context.df.Task.any([work, deadline]);
      if (winner === work) {
        deadline.cancel();
        return { result: work.result };
      }
      return { timedOut: true };
    };

    it('cancels the timer when the activity wins', async () => {
      const run = await orchestrationHarness(withTimeout, { startAt: start })
        .onActivity('slow', 42, { durationMs: 10 * minute })
        .run();
      expect(run.output).toEqual({ result: 42 });
      expect(run.timers).toEqual([expect.objectContaining({ fired: false, canceled: true })]);
      expect(run.now.toISOString()).toBe(t(10 * minute));
    });

    it('times out when the activity takes longer', async () => {
      const run = await orchestrationHarness(withTimeout, { startAt: start })
        .onActivity('slow', 42, { durationMs: 2 * hour })
        .run();
      expect(run.output).toEqual({ timedOut: true });
      expect(run.timers[0]?.fired).toBe(true);
    });
  });

  it('delivers external events at their moment', async () => {
    const approval: OrchestrationHandler = function* (context) {
      const decision: unknown = yield context.df.waitForExternalEvent('approval');
      return { decision, at: context.df.currentUtcDateTime.toISOString() };
    };
    const run = await orchestrationHarness(approval, { startAt: start })
      .raiseEvent('approval', { approved: true }, { afterMs: 5 * minute })
      .run();
    expect(run.output).toEqual({ decision: { approved: true }, at: t(5 * minute) });

    const never = await orchestrationHarness(approval, { startAt: start }).run();
    expect(never.status).toBe('Running');
  });

  it('answers sub-orchestrations from a script', async () => {
    const parent: OrchestrationHandler = function* (context) {
      const a: unknown = yield context.df.callSubOrchestrator('child', { n: 1 });
      try {
        yield context.df.callSubOrchestrator('child', { n: 2 });
      } catch (error) {
        return { a, b: (error as Error).message };
      }
      return { a };
    };
    const run = await orchestrationHarness(parent, { startAt: start })
      .onSubOrchestration('child', (input: { n: number }) => (input.n === 1 ? 'one' : fail('child broke')))
      .run();
    expect(run.output).toEqual({ a: 'one', b: expect.stringContaining('child broke') });
    expect(run.subOrchestrations.map((c) => c.input)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('fails the run on non-determinism, as the host does', async () => {
    let episodes = 0;
    const fickle: OrchestrationHandler = function* (context) {
      episodes += 1;
      // Reads state outside the history: the replay schedules something else at the same event id.
      yield context.df.callActivity(episodes === 1 ? 'a' : 'b', null);
      return 'done';
    };
    const run = await orchestrationHarness(fickle, { name: 'fickle', startAt: start })
      .onActivity('a', 1)
      .onActivity('b', 2)
      .run();
    expect(run.status).toBe('Failed');
    expect(run.error).toBe(
      "Orchestrator function 'fickle' failed: Non-deterministic workflow detected: event id 0 is TaskScheduled 'a' (CallActivity) in the history, but the orchestrator now schedules CallActivity 'b' there.",
    );
  });

  it('propagates an uncaught failure as a Failed run with the orchestrator error', async () => {
    const fragile: OrchestrationHandler = function* (context) {
      yield context.df.callActivity('breaks', null);
      return 'unreachable';
    };
    const run = await orchestrationHarness(fragile, { name: 'fragile', startAt: start })
      .onActivity('breaks', fail('disk full'))
      .run();
    expect(run.status).toBe('Failed');
    expect(run.output).toBeUndefined();
    expect(run.error).toMatch(
      /^Orchestrator function 'fragile' failed: .*Activity function 'breaks' failed: disk full/,
    );
  });

  it('records custom status after each episode', async () => {
    const stepper: OrchestrationHandler = function* (context) {
      context.df.setCustomStatus({ step: 'one' });
      yield context.df.callActivity('work', 1);
      context.df.setCustomStatus({ step: 'two' });
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + minute));
      context.df.setCustomStatus({ step: 'done' });
      return null;
    };
    const run = await orchestrationHarness(stepper, { startAt: start }).onActivity('work', null).run();
    expect(run.customStatuses).toEqual([{ step: 'one' }, { step: 'two' }, { step: 'done' }]);
    expect(run.customStatus).toEqual({ step: 'done' });
  });

  it('follows continueAsNew into a fresh execution', async () => {
    const counter: OrchestrationHandler = function* (context) {
      const n = context.df.getInput<number>();
      yield context.df.callActivity('tick', n);
      if (n < 3) {
        context.df.continueAsNew(n + 1);
        return undefined;
      }
      return n;
    };
    const run = await orchestrationHarness(counter, { input: 1, startAt: start })
      .onActivity('tick', null)
      .run();
    expect(run.output).toBe(3);
    expect(run.calls('tick').map((c) => c.input)).toEqual([1, 2, 3]);
  });

  it('refuses an activity without a script, naming it', async () => {
    const lonely: OrchestrationHandler = function* (context) {
      yield context.df.callActivity('unscripted', { a: 1 });
    };
    await expect(orchestrationHarness(lonely).run()).rejects.toThrow(
      new HarnessError(
        `lonely called activity 'unscripted' with {"a":1}, which has no script: add .onActivity('unscripted', ...).`,
      ),
    );
  });

  it('stops an orchestrator that never ends', async () => {
    const forever: OrchestrationHandler = function* (context) {
      for (;;) yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + minute));
    };
    await expect(orchestrationHarness(forever, { maxEpisodes: 50 }).run()).rejects.toThrow(
      /did not end within 50 episodes/,
    );
  });
});
