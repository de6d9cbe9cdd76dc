import { type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { type ActivityDeclaration, type PermanentFailure } from '../durable/activity';
import { AppError } from '../errors';
import { invocationLog, scopeOf } from '../logging';

export type ActivityImplementation<I, O> = (input: I, context: InvocationContext) => Promise<O>;

/**
 * Registers the implementation of a declared activity. Errors a retry can cure (throttling, 5xx, timeouts) are
 * rethrown for the orchestration's retry policy; permanent ones come back as a PermanentFailure value.
 */
export interface ActivityRegistrationOptions {
  /** Gives the implementation a Durable client (`df.getClient(context)`), e.g. to raise events or start instances. */
  durableClient?: boolean;
}

export function registerActivity<I, O>(
  declaration: ActivityDeclaration<I, O>,
  implementation: ActivityImplementation<I, O>,
  options: ActivityRegistrationOptions = {},
): void {
  df.app.activity(declaration.name, {
    ...(options.durableClient ? { extraInputs: [df.input.durableClient()] } : {}),
    handler: async (input: unknown, context: InvocationContext): Promise<O | PermanentFailure> => {
      try {
        return await implementation(input as I, context);
      } catch (error) {
        if (error instanceof AppError && !error.retryable) {
          invocationLog(context, scopeOf(input)).warn(
            `${declaration.name} failed permanently: ${error.code}: ${error.message}`,
          );
          return { permanentFailure: { code: error.code, message: error.message } };
        }
        throw error;
      }
    },
  });
}

export type ImplementationsOf<D> = {
  [K in keyof D]: D[K] extends ActivityDeclaration<infer I, infer O> ? ActivityImplementation<I, O> : never;
};

/**
 * Registers a family of declared activities with their implementations, matched by key and checked by type. The
 * implementations are asked for on the first invocation, so registering builds nothing.
 */
export function registerActivities<D extends Record<string, ActivityDeclaration<never, unknown>>>(
  declarations: D,
  implementations: () => ImplementationsOf<D>,
  options: ActivityRegistrationOptions = {},
): void {
  for (const key of Object.keys(declarations) as (keyof D & string)[]) {
    registerActivity(
      declarations[key] as ActivityDeclaration<unknown, unknown>,
      (input, context) =>
        (implementations()[key] as ActivityImplementation<unknown, unknown>)(input, context),
      options,
    );
  }
}
