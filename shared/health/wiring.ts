import { type HttpHandler } from '@azure/functions';
import { type Platform } from '../platform';
import { healthHandler } from './handler';

export function healthWiring(platform: Pick<Platform, 'probes'>, version: string): { handler: HttpHandler } {
  return { handler: healthHandler({ version, probes: () => platform.probes() }) };
}
