import { type InvocationContext } from '@azure/functions';
import { type OrchestrationHandler } from 'durable-functions';

/** The function `df.app.orchestration` registers: the library's Orchestrator around the user's generator. */
export type RegisteredOrchestratorHandler = (
  trigger: unknown,
  context: InvocationContext,
) => Promise<unknown>;

interface TestingUtils {
  createOrchestrator(fn: OrchestrationHandler): RegisteredOrchestratorHandler;
}

/**
 * `df.app.orchestration(name, fn)` registers `createOrchestrator(fn)` as the handler (durable-functions 3.5.0,
 * lib/src/app.js). It is not exported from the package root, so it is reached by path; the version is pinned
 * and the harness tests check this contract.
 */
export function registeredOrchestratorHandler(fn: OrchestrationHandler): RegisteredOrchestratorHandler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const utils = require('durable-functions/lib/src/util/testingUtils') as Partial<TestingUtils>;
  if (typeof utils.createOrchestrator !== 'function')
    throw new Error(
      'durable-functions no longer has lib/src/util/testingUtils#createOrchestrator; re-verify local/durable-harness against the new version.',
    );
  return utils.createOrchestrator(fn);
}
