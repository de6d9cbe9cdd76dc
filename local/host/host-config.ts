import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** The parts of host.json the local host honours. */
export interface HostConfig {
  /** `extensions.http.routePrefix`, default `api`; an empty string serves functions at the root. */
  readonly routePrefix: string;
  /** `extensions.durableTask.hubName` (may be a `%SETTING%`), default `TestHubName` like Core Tools. */
  readonly hubName: string;
  /** `extensions.durableTask.maxConcurrentActivityFunctions`, default 10. */
  readonly maxConcurrentActivities: number;
}

const hostJsonSchema = z.looseObject({
  version: z.string().optional(),
  extensions: z
    .looseObject({
      http: z.looseObject({ routePrefix: z.string().optional() }).optional(),
      durableTask: z
        .looseObject({
          hubName: z.string().optional(),
          maxConcurrentActivityFunctions: z.number().int().positive().optional(),
        })
        .optional(),
    })
    .optional(),
});

export class HostConfigError extends Error {
  override readonly name = 'HostConfigError';
}

export class SettingNotFoundError extends Error {
  override readonly name = 'SettingNotFoundError';
}

/** Resolves `%NAME%` references from app settings (environment), as the real host does for binding options. */
export function resolveSettingReferences(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/%([^%]+)%/g, (_match, name: string) => {
    const resolved = env[name];
    if (resolved === undefined)
      throw new SettingNotFoundError(
        `'%${name}%' does not resolve to a value (app setting ${name} is not set).`,
      );
    return resolved;
  });
}

export async function readHostConfig(hostJsonPath: string, required: boolean): Promise<HostConfig> {
  const text = await readFile(hostJsonPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' && !required) return '{}';
    throw error;
  });
  const parsed = hostJsonSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new HostConfigError(`${hostJsonPath}: ${parsed.error.message}`);
  const { http, durableTask } = parsed.data.extensions ?? {};
  const routePrefix = (http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  return {
    routePrefix,
    hubName: resolveSettingReferences(durableTask?.hubName ?? 'TestHubName'),
    maxConcurrentActivities: durableTask?.maxConcurrentActivityFunctions ?? 10,
  };
}
