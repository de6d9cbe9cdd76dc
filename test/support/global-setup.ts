import './resolve-workspace-sources';
import { WallClock } from '@mds/platform-kit';
import { type RunningStack, startStack } from '@mds/dev';
import { customerAuditStorageVariable, stackSettingNamesVariable } from './stack';

declare global {
  // Jest hands globals set in globalSetup to globalTeardown (and only to it).
  var localStack: RunningStack | undefined;
}

/**
 * Starts the local stack once per test run on ephemeral ports. Workers inherit this process's environment, so the
 * stack's settings reach every test as the app would see them; `test/support/stack.ts` reads them back.
 */
export default async function globalSetup(): Promise<void> {
  const stack = await startStack({ clock: new WallClock(), ports: 'ephemeral' });
  Object.assign(process.env, stack.settings, {
    [stackSettingNamesVariable]: Object.keys(stack.settings).join(','),
    [customerAuditStorageVariable]: JSON.stringify(stack.customerAuditStorage),
  });
  globalThis.localStack = stack;
}
