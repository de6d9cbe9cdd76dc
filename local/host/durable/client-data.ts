/**
 * The durable client binding's data, shaped like the Durable extension's `OrchestrationClientInputData`:
 * durable-functions' `getClient` calls `rpcBaseUrl` for every operation, and builds
 * `createCheckStatusResponse`/`createHttpManagementPayload` from `managementUrls` (the public webhook URLs
 * with the extension's system key).
 */
export const webhookPath = '/runtime/webhooks/durabletask';
export const rpcPath = '/durabletask/';
const instanceIdPlaceholder = 'INSTANCEID';
// Core Tools' default connection setting name for the task hub's storage.
const connectionName = 'Storage';

export interface HttpManagementPayload {
  readonly id: string;
  readonly statusQueryGetUri: string;
  readonly sendEventPostUri: string;
  readonly terminatePostUri: string;
  readonly rewindPostUri: string;
  readonly purgeHistoryDeleteUri: string;
  readonly restartPostUri: string;
  readonly suspendPostUri: string;
  readonly resumePostUri: string;
}

export interface DurableClientData {
  readonly taskHubName: string;
  readonly creationUrls: {
    readonly createNewInstancePostUri: string;
    readonly createAndWaitOnNewInstancePostUri: string;
  };
  readonly managementUrls: HttpManagementPayload;
  readonly baseUrl: string;
  readonly requiredQueryStringParameters: string;
  readonly rpcBaseUrl: string;
}

export interface WebhookSettings {
  /** Public origin of the host, e.g. `http://127.0.0.1:7071`. */
  readonly origin: string;
  readonly taskHubName: string;
  readonly systemKey: string;
}

export function managementPayload(settings: WebhookSettings, instanceId: string): HttpManagementPayload {
  const instance = `${settings.origin}${webhookPath}/instances/${encodeURIComponent(instanceId)}`;
  const query = `taskHub=${encodeURIComponent(settings.taskHubName)}&connection=${connectionName}&code=${encodeURIComponent(settings.systemKey)}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${instance}?${query}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
    rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${instance}?${query}`,
    restartPostUri: `${instance}/restart?${query}`,
    suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
    resumePostUri: `${instance}/resume?reason={text}&${query}`,
  };
}

export function durableClientData(settings: WebhookSettings, rpcOrigin: string): DurableClientData {
  const baseUrl = `${settings.origin}${webhookPath}`;
  const code = `code=${encodeURIComponent(settings.systemKey)}`;
  const creation = `${baseUrl}/orchestrators/{functionName}[/{instanceId}]`;
  return {
    taskHubName: settings.taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${creation}?${code}`,
      createAndWaitOnNewInstancePostUri: `${creation}?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${code}`,
    },
    // The placeholder id is exactly what the client substitutes; it must stay unencoded.
    managementUrls: { ...managementPayload(settings, instanceIdPlaceholder), id: instanceIdPlaceholder },
    baseUrl,
    requiredQueryStringParameters: code,
    rpcBaseUrl: `${rpcOrigin}${rpcPath}`,
  };
}
