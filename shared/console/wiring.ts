import { resolve } from 'node:path';
import { type HttpHandler } from '@azure/functions';
import { type AppConfig } from '../config';
import { consoleHandler } from './assets';

/** The operator console: the built single-page app and the sign-in settings it reads. */
export function consoleWiring(config: AppConfig): { handler: HttpHandler } {
  return {
    handler: consoleHandler(resolve(config.CONSOLE_ASSETS_PATH), {
      authority: `${config.ENTRA_AUTHORITY_HOST.replace(/\/+$/, '')}/${config.OPERATOR_TENANT_ID}`,
      clientId: config.OPERATOR_CONSOLE_CLIENT_ID,
      apiScope: `${config.OPERATOR_API_AUDIENCE}/${config.OPERATOR_API_SCOPE_NAME}`,
      privilegedContext: config.OPERATOR_PRIVILEGED_AUTH_CONTEXT,
    }),
  };
}
