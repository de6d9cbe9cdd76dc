import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { source as axeSource } from 'axe-core';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  type LocalOperator,
  launchChromium,
  localOperators,
  operatorDirectory,
  operatorRecordOf,
} from '@mds/dev';
import { composition } from '../../shared/composition';
import { provisionTenant } from './access-world';
import { type OperatorWorld, startOperatorWorld } from './operator-world';
import { stackCaPem, stackSettings } from './stack';

const root = join(__dirname, '../..');
/** Screenshots of every page the browser tests visit (git-ignored). */
export const screenshotDir = join(root, '.local/screenshots');

/**
 * The operator world (the app on the local host, a simulator of its own with two tenants) with the console built from
 * source, the stack's seeded operators registered in the registry and on the simulator's sign-in page (scoped to
 * the world's two tenants as the stack scopes them to Contoso and Fabrikam), a third tenant provisioned as desired
 * state (service accounts in Key Vault, so credentials can be checked out) in the lead's and the responder's scope,
 * and one headless Chromium.
 */
export interface ConsoleWorld {
  ow: OperatorWorld;
  browser: Browser;
  operators: Record<string, LocalOperator>;
  /** The provisioned tenant (the world's other two are registered without provisioning). */
  provisioned: { id: string; displayName: string };
  consoleUrl: string;
  /** A browser context of its own (an operator's own browser), with its storage empty. */
  newOperatorPage(): Promise<{ context: BrowserContext; page: Page; problems: string[] }>;
  stop(): Promise<void>;
}

export async function startConsoleWorld(): Promise<ConsoleWorld> {
  const assets = await mkdtemp(join(tmpdir(), 'mds-console-'));
  await buildConsole(assets);
  process.env.CONSOLE_ASSETS_PATH = assets;
  const ow = await startOperatorWorld();
  const settings = stackSettings();
  const provisioned = { id: (await provisionTenant(ow)).tenantId, displayName: 'Tailspin' };
  const list = localOperators({ contoso: ow.inScope.id, fabrikam: ow.outOfScope.id }).map((operator) =>
    (operator.handle === 'lead' || operator.handle === 'responder') && operator.tenants !== 'all'
      ? { ...operator, tenants: [...operator.tenants, provisioned.id] }
      : operator,
  );
  for (const operator of list)
    await composition().operators.registry.upsert(operatorRecordOf(operator, 'test'));
  ow.world.sim.control.setOperatorDirectory(ow.operatorTenantId, operatorDirectory(list, settings));
  const browser = await launchChromium(stackCaPem());
  await mkdir(screenshotDir, { recursive: true });
  return {
    ow,
    browser,
    operators: Object.fromEntries(list.map((operator) => [operator.handle, operator])),
    provisioned,
    consoleUrl: `${ow.baseUrl}/console/`,
    async newOperatorPage() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text()))
          problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      return { context, page, problems };
    },
    async stop() {
      await browser.close();
      await ow.stop();
      delete process.env.CONSOLE_ASSETS_PATH;
      await rm(assets, { recursive: true, force: true });
    },
  };
}

/** Builds the console from source with the pinned Vite, into `outDir` (the suite tests what the tree holds now). */
async function buildConsole(outDir: string): Promise<void> {
  const vite = join(
    dirname(require.resolve('vite/package.json', { paths: [join(root, 'console')] })),
    'bin/vite.js',
  );
  if (!existsSync(vite)) throw new Error(`Vite is not installed at ${vite}: run npm ci`);
  await promisify(execFile)(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: join(root, 'console'),
    env: { ...process.env, CONSOLE_OUT_DIR: outDir },
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core on the page as it is now: the violations that are serious or critical (none should be). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through DevTools, not a script tag: the console's content security policy stays in force.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}
