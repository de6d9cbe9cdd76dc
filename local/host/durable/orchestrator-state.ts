import { z } from 'zod';

/**
 * The `OrchestratorState` the durable-functions orchestrator handler returns (or embeds after `$OutOfProcData$:`
 * in the error it throws), with the action types of the out-of-process protocol (schema V2+: one action list,
 * compound actions nested in `compoundActions`).
 */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

const retryOptionsSchema = z.object({
  firstRetryIntervalInMilliseconds: z.number().positive(),
  maxNumberOfAttempts: z.number().int(),
  backoffCoefficient: z.number().positive().optional(),
  maxRetryIntervalInMilliseconds: z.number().optional(),
  retryTimeoutInMilliseconds: z.number().optional(),
});
export type RetryOptions = z.infer<typeof retryOptionsSchema>;

export interface Action {
  readonly actionType: number;
  readonly functionName?: string;
  readonly input?: unknown;
  readonly instanceId?: string | null;
  readonly retryOptions?: RetryOptions;
  readonly fireAt?: string;
  readonly isCanceled?: boolean;
  readonly externalEventName?: string;
  readonly compoundActions?: readonly Action[];
}

const actionSchema: z.ZodType<Action> = z.lazy(() =>
  z.looseObject({
    actionType: z.number().int(),
    functionName: z.string().optional(),
    input: z.unknown().optional(),
    instanceId: z.string().nullable().optional(),
    retryOptions: retryOptionsSchema.optional(),
    fireAt: z.string().optional(),
    isCanceled: z.boolean().optional(),
    externalEventName: z.string().optional(),
    compoundActions: z.array(actionSchema).optional(),
  }),
);

const orchestratorStateSchema = z.looseObject({
  isDone: z.boolean(),
  actions: z.array(z.array(actionSchema)),
  output: z.unknown().optional(),
  error: z.string().optional(),
  customStatus: z.unknown().optional(),
  schemaVersion: z.number().int(),
});
export type OrchestratorState = z.infer<typeof orchestratorStateSchema>;

export class OrchestratorProtocolError extends Error {
  override readonly name = 'OrchestratorProtocolError';
}

const outOfProcDataLabel = '$OutOfProcData$:';

export function parseOrchestratorState(value: unknown): OrchestratorState {
  const parsed = orchestratorStateSchema.safeParse(value);
  if (!parsed.success)
    throw new OrchestratorProtocolError(`Unexpected orchestrator state: ${parsed.error.message}`);
  return parsed.data;
}

/** A failing orchestrator throws an Error whose message ends with `$OutOfProcData$:{state json}`. */
export function stateFromFailure(error: unknown): OrchestratorState | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const at = message.indexOf(outOfProcDataLabel);
  if (at < 0) return undefined;
  return parseOrchestratorState(JSON.parse(message.slice(at + outOfProcDataLabel.length)));
}

/** The library JSON-encodes string inputs of activity calls and continueAsNew; the callee sees the original. */
export function decodeActionInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}
