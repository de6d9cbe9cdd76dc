/**
 * What a scripted activity or sub-orchestration answers: a value, a failure, a function of the input, or a
 * sequence of those (one per call).
 */

/** A declaration object carrying an activity's types, as `declareActivity` makes them. */
export interface Declared<I, O> {
  readonly name: string;
  readonly types?: (input: I) => O;
}

/** An activity (or sub-orchestration) by name or by declaration. */
export type TaskRef<I = unknown, O = unknown> = string | Declared<I, O>;

export function nameOf(ref: TaskRef<never, unknown>): string {
  return typeof ref === 'string' ? ref : ref.name;
}

/** Passed to script functions. */
export interface CallInfo {
  /** Orchestration time when the call was scheduled. */
  readonly now: Date;
  /** 1 for the first call of this name in the run, 2 for the next (a retry attempt is a call). */
  readonly call: number;
  /**
   * Raises an external event to the orchestration `afterMs` after this call (default: when it completes), as
   * another party would that the activity told about itself (a watcher the activity registered with).
   */
  readonly raiseEvent: (name: string, data?: unknown, options?: { afterMs?: number }) => void;
}

const failureMark = Symbol('scripted failure');
const sequenceMark = Symbol('scripted sequence');

export interface ScriptedFailure {
  readonly [failureMark]: Error;
}

/** The call fails (the activity throws) with this error; retry policies see it as the host would. */
export function fail(error: string | Error): ScriptedFailure {
  return { [failureMark]: typeof error === 'string' ? new Error(error) : error };
}

export type ScriptStep<I, O> =
  | O
  | ScriptedFailure
  | ((input: I, call: CallInfo) => O | ScriptedFailure | Promise<O | ScriptedFailure>);

export interface ScriptSequence<I, O> {
  readonly [sequenceMark]: readonly ScriptStep<I, O>[];
}

export type Script<I, O> = ScriptStep<I, O> | ScriptSequence<I, O>;

/** One step per call, in order; the last step answers every later call. */
export function sequence<I, O>(steps: readonly NoInfer<ScriptStep<I, O>>[]): ScriptSequence<I, O> {
  if (steps.length === 0) throw new RangeError('sequence() needs at least one step');
  return { [sequenceMark]: steps };
}

function isFailure(value: unknown): value is ScriptedFailure {
  return typeof value === 'object' && value !== null && failureMark in value;
}

function isSequence(value: unknown): value is ScriptSequence<unknown, unknown> {
  return typeof value === 'object' && value !== null && sequenceMark in value;
}

export type ScriptAnswer =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

/** Answers call number `call.call` of a script (`callsOfScript` counts the calls this script answered before). */
export async function answer(
  script: Script<unknown, unknown>,
  input: unknown,
  call: CallInfo,
  callsOfScript: number,
): Promise<ScriptAnswer> {
  const steps = isSequence(script) ? script[sequenceMark] : [script];
  const step = steps[Math.min(callsOfScript, steps.length - 1)];
  let value: unknown = step;
  if (typeof step === 'function') {
    try {
      value = await (step as (input: unknown, call: CallInfo) => unknown)(input, call);
    } catch (error) {
      return { ok: false, error };
    }
  }
  return isFailure(value) ? { ok: false, error: value[failureMark] } : { ok: true, value };
}
