import { readFileSync } from 'node:fs';
import { type CustomerAuditStorage } from '@mds/dev';
import { type AppConfig, loadConfig } from '../../shared/config';

/** Lists the names of the settings the global stack exported, so that tests can tell them from the rest of env. */
export const stackSettingNamesVariable = 'LOCAL_STACK_SETTING_NAMES';

/** The settings of the stack that global setup started, as the app reads them. */
export function stackSettings(): Record<string, string> {
  const names = process.env[stackSettingNamesVariable];
  if (!names)
    throw new Error('The local stack is not running: jest global setup did not export its settings');
  return Object.fromEntries(names.split(',').map((name) => [name, process.env[name] ?? '']));
}

export function stackConfig(): AppConfig {
  return loadConfig({ ...process.env, ...stackSettings() });
}

/** The stand-ins' certificate, for clients a test builds itself. */
export function stackCaPem(): string {
  const path = stackSettings().TRUSTED_CA_CERT_PATH;
  if (!path) throw new Error('The local stack exported no TRUSTED_CA_CERT_PATH');
  return readFileSync(path, 'utf8');
}

/** Where global setup tells the workers about the customers' storage account (not an app setting). */
export const customerAuditStorageVariable = 'LOCAL_CUSTOMER_AUDIT_STORAGE';

/** The stack's second storage account, which plays the customers' own. */
export function customerAuditStorage(): CustomerAuditStorage {
  const value = process.env[customerAuditStorageVariable];
  if (!value) throw new Error('The local stack exported no customer audit storage');
  return JSON.parse(value) as CustomerAuditStorage;
}
