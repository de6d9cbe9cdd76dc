import type { HistoryEvent } from './history';
import { type OrchestratorState, stateFromFailure } from './orchestrator-state';
import {
  type Decision,
  type TimerLimits,
  NonDeterminismError,
  UnsupportedActionError,
  replay,
} from './replay';
import { messageOf } from './task-failure';

/** What one run of the orchestrator handler gave back: its state, and a failure message if it threw. */
export interface HandlerRun {
  readonly state?: OrchestratorState;
  readonly failure?: string;
}

/** A handler that threw: the state rides in the error message after `$OutOfProcData$:`, if it was the library's. */
export function handlerRunFromError(error: unknown): HandlerRun {
  const state = stateFromFailure(error);
  return { state, failure: state?.error ?? messageOf(error) };
}

interface Settled {
  readonly customStatus: unknown;
  /** Pending timers the orchestrator canceled (a finished instance drops all of its timers anyway). */
  readonly canceledTimers: readonly number[];
}

export type EpisodeOutcome =
  /** `message` is the instance's output, as the extension words it; `reason` is the failure alone, for logs. */
  | { readonly kind: 'failed'; readonly message: string; readonly reason: string }
  | (Settled & { readonly kind: 'completed'; readonly output: unknown })
  | (Settled & { readonly kind: 'continuedAsNew'; readonly input: unknown })
  | (Settled & {
      readonly kind: 'running';
      /** Work to append to the history and dispatch, in id order. */
      readonly newDecisions: readonly Decision[];
    });

/**
 * Decides what an episode means, as the Durable extension does: the actions are matched against the history
 * (non-determinism fails the instance), then a failure, completion, continueAsNew or more work to dispatch.
 */
export function episodeOutcome(
  orchestratorName: string,
  run: HandlerRun,
  events: readonly HistoryEvent[],
  limits: TimerLimits,
): EpisodeOutcome {
  const failed = (message: string): EpisodeOutcome => ({
    kind: 'failed',
    message: `Orchestrator function '${orchestratorName}' failed: ${message}`,
    reason: message,
  });
  const { state, failure } = run;
  if (!state) return failed(failure ?? 'no orchestrator state returned');
  let result;
  try {
    result = replay(state.actions.flat(), events, limits);
  } catch (error) {
    if (error instanceof NonDeterminismError)
      return failed(`Non-deterministic workflow detected: ${error.message}`);
    if (error instanceof UnsupportedActionError) return failed(error.message);
    throw error;
  }
  if (failure !== undefined) return failed(failure);
  const settled: Settled = {
    customStatus: state.customStatus ?? null,
    canceledTimers: result.canceledTimers,
  };
  if (state.isDone && result.continueAsNew)
    return { ...settled, kind: 'continuedAsNew', input: result.continueAsNew.input };
  if (state.isDone) return { ...settled, kind: 'completed', output: state.output ?? null };
  return { ...settled, kind: 'running', newDecisions: result.newDecisions };
}
