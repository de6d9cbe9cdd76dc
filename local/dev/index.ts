/**
 * The development package: the only one that knows both the app (`shared/`, `functions/`) and the platform
 * packages. It starts the local stack (`npm start`, the tests' global setup), runs the demo order and the
 * benchmarks; `start.ts`, `demo-order.ts` and `bench/run.ts` are its scripts.
 */
export {
  type RunningStack,
  type StackOptions,
  type StackPorts,
  StackPortsInUseError,
  ephemeralPorts,
  localOperator,
  localWebhookSources,
  portsFromSettings,
  startStack,
  type CustomerAuditStorage,
  customerAuditAdmin,
  provisionCustomerAuditSink,
  provisionCosmos,
  type ProvisionedAuditSink,
  type LocalOperator,
  localOperatorPassword,
  localOperators,
  operatorDirectory,
  operatorRecordOf,
  tokenRequest,
} from './stack';
export { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY, type RunningAzurite, startAzurite } from './azurite';
export { COSMOS_EMULATOR_KEY, type RunningCosmos, startCosmos } from './cosmos';
export { type LocalSettingsFile, readLocalSettings } from './local-settings';
export { readWebhookSecret, webhookSecretPath, writeWebhookSecret } from './webhook-secret-files';
export { chromiumPath, completeSignIn, launchChromium, signInOnConsole } from './browser';
