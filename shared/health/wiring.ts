import { type HttpHandler } from '@azure/functions';
import { type Platform } from '../platform';
import { healthHandler } from './handler';

export function healthWiring(
  platform: Pick<Platform, 'probes' | 'residency'>,
  version: string,
): { handler: HttpHandler } {
  return {
    handler: healthHandler({
      version,
      probes: () => platform.probes(),
      residency: () => platform.residency.check(),
    }),
  };
}
