// Public surface of the orchestration test harness.
export {
  type HarnessOptions,
  type Instant,
  type OrchestrationRun,
  type RunOptions,
  type RunStatus,
  type TaskOptions,
  type TaskCall,
  type TimerRecord,
  HarnessError,
  OrchestrationHarness,
  orchestrationHarness,
} from './harness';
export {
  type CallInfo,
  type Declared,
  type Script,
  type ScriptSequence,
  type ScriptStep,
  type ScriptedFailure,
  type TaskRef,
  fail,
  sequence,
} from './scripts';
