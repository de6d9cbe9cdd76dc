/**
 * The operator console in a real browser (Debian's Chromium, headless, through playwright-core) against the app on
 * the local host: sign-in through the simulator's Entra ID pages, every page's content, the actions and what each
 * role and scope shows. One browser and one world for the file; each operator gets a context of their own.
 */
import { randomUUID } from 'node:crypto';
import { type Page } from 'playwright-core';
import { completeSignIn, signInOnConsole as signIn, tokenRequest } from '@mds/dev';
import { composition } from '../../shared/composition';
import { operatorRecords, waitForRecords } from '../support/audit-sinks';
import { orderFor } from '../support/onboarding-world';
import { stackSettings } from '../support/stack';
import {
  type ConsoleWorld,
  screenshot,
  seriousViolations,
  startConsoleWorld,
} from '../support/console-world';

jest.setTimeout(120_000);

let cw: ConsoleWorld;
let lead: Page;

beforeAll(async () => {
  cw = await startConsoleWorld();
  lead = (await cw.newOperatorPage()).page;
});

afterAll(() => cw?.stop());

async function expectAccessible(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousViolations(page)).toEqual([]);
}

describe('the operator console', () => {
  it('signs the lead in with MFA and shows both tenants of their scope on the fleet overview', async () => {
    await signIn(lead, cw.consoleUrl, cw.operators.lead!);
    const fleet = lead.getByRole('table', { name: 'Tenants in your scope' });
    await fleet.getByRole('link', { name: cw.ow.inScope.displayName }).waitFor();
    await fleet.getByRole('link', { name: cw.ow.outOfScope.displayName }).waitFor();
    await lead.getByText('MFA', { exact: true }).waitFor();
    await expectAccessible(lead, 'fleet-overview');
  });

  it('starts an onboarding from the pipeline, follows it live, and shows its timeline on the device page', async () => {
    const tenant = cw.ow.inScope;
    const serialNumber = `CON-${randomUUID().slice(0, 8)}`.toUpperCase();
    const [upn] = cw.ow.world.unlicensedUsers(tenant.id, 1);
    const [device] = orderFor(tenant.id, 'unused', [{ serial: serialNumber, upn: upn! }]).devices;
    await lead.getByRole('link', { name: 'Onboarding pipeline' }).click();
    await lead.getByLabel('Tenant').selectOption({ label: tenant.displayName });
    await lead.getByLabel('Serial number').fill(serialNumber);
    await lead.getByLabel('Hardware hash (base64)').fill(device!.hardwareHash);
    await lead.getByLabel('Assigned user (UPN)').fill(upn!);
    await lead.getByRole('button', { name: 'Start onboarding' }).click();
    const live = lead.getByRole('table').filter({ has: lead.getByRole('link', { name: serialNumber }) });
    await live.waitFor();

    // The device's days of Autopilot and enrollment pass on the simulator's virtual clock.
    const token = cw.ow.world.sim.control.issueOperatorToken(
      tokenRequest(cw.operators.lead!, stackSettings()),
    );
    const statusPath = `/api/v1/tenants/${tenant.id}/onboardings/${serialNumber}`;
    let status = await cw.ow.call('GET', statusPath, { token });
    for (let i = 0; i < 300 && status.body?.runtimeStatus !== 'Completed'; i++) {
      await cw.ow.world.clock.advance(30 * 60_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = await cw.ow.call('GET', statusPath, { token });
    }
    expect(status.body).toMatchObject({ runtimeStatus: 'Completed', outcome: { status: 'onboarded' } });
    await live.getByText('onboarded', { exact: true }).waitFor({ timeout: 15_000 });
    await lead
      .getByRole('figure', { name: 'Devices by where they stopped' })
      .getByText('onboarded')
      .waitFor({ timeout: 15_000 });
    await expectAccessible(lead, 'onboarding-pipeline');

    await live.getByRole('link', { name: serialNumber }).click();
    await lead.getByRole('heading', { name: `Device ${serialNumber}` }).waitFor();
    const timeline = lead.getByRole('list').filter({ hasText: 'autopilotImport' });
    for (const step of ['autopilotImport', 'enrollment', 'encryption', 'defender', 'licence', 'updateRing'])
      await timeline.getByText(step, { exact: true }).waitFor();
    expect(await lead.locator('body').innerText()).not.toContain(upn!);
    await expectAccessible(lead, 'device-detail');

    await lead.getByRole('link', { name: 'Back to the tenant' }).click();
    await lead.getByRole('heading', { name: tenant.displayName, level: 1 }).waitFor();
    await lead.getByRole('link', { name: serialNumber }).waitFor();
    await lead.getByLabel('Health').selectOption('unhealthy');
    await lead.getByText('No devices match.').waitFor();
    await lead.getByLabel('Health').selectOption('healthy');
    await lead.getByRole('link', { name: serialNumber }).waitFor();
    await lead.getByRole('button', { name: 'Suspend tenant' }).waitFor();
    await expectAccessible(lead, 'tenant-view');
  });

  it('shows the API’s problem details as they are when an action is refused', async () => {
    await lead.goto(`${cw.consoleUrl}pipeline`);
    await lead.getByLabel('Tenant').selectOption({ label: cw.ow.inScope.displayName });
    await lead.getByLabel('Serial number').fill('BAD SERIAL!');
    await lead.getByLabel('Hardware hash (base64)').fill('not base64 at all');
    await lead.getByLabel('Assigned user (UPN)').fill('someone@example.com');
    await lead.getByRole('button', { name: 'Start onboarding' }).click();
    const problem = lead.getByRole('alert').filter({ hasText: '400 Bad Request' });
    await problem.waitFor();
    await problem.getByText('validation_failed').waitFor();
    await problem.getByText('devices.0.serialNumber').waitFor();
    await expectAccessible(lead, 'problem-details');
  });

  it('shows a read-only operator no write action, and never a tenant outside their scope', async () => {
    const { page: reader, context } = await cw.newOperatorPage();
    const hidden = cw.ow.outOfScope;
    // Riley has no MFA method: the sign-in ends after the password, and the token says so.
    await signIn(reader, cw.consoleUrl, cw.operators.reader!);
    await reader.getByRole('link', { name: cw.ow.inScope.displayName }).waitFor();
    await reader.getByText('no MFA', { exact: true }).waitFor();
    const pages: string[] = [];
    pages.push(await reader.locator('body').innerText());
    await expectAccessible(reader, 'fleet-overview-read-only');

    await reader.getByRole('link', { name: cw.ow.inScope.displayName }).click();
    await reader.getByRole('heading', { name: 'Devices' }).waitFor();
    await reader.getByRole('table').last().waitFor();
    pages.push(await reader.locator('body').innerText());
    await reader.getByRole('link', { name: 'Onboarding pipeline' }).click();
    await reader.getByRole('figure', { name: 'Failures by reason' }).waitFor();
    pages.push(await reader.locator('body').innerText());
    await expect(reader.getByRole('option', { name: hidden.displayName }).count()).resolves.toBe(0);
    await expectAccessible(reader, 'onboarding-pipeline-read-only');

    // No write control anywhere: not disabled, absent.
    expect(await reader.getByRole('button').allInnerTexts()).toEqual(['Sign out']);
    for (const text of pages) expect(text).not.toContain(hidden.displayName);

    // Asked for directly, the out-of-scope tenant answers as an unknown one: the name never shows.
    await reader.goto(`${cw.consoleUrl}tenants/${hidden.id}`);
    await reader.getByRole('alert').filter({ hasText: '404' }).waitFor();
    expect(await reader.locator('body').innerText()).not.toContain(hidden.displayName);
    await context.close();
  });

  it('shows the auditor the trail and its chain verification, and nothing of the fleet', async () => {
    // Audit delivery is asynchronous: the page shows the trail once the lead's onboarding start has reached the sink.
    await waitForRecords(
      () => operatorRecords(composition(), cw.ow.inScope.id),
      ['onboarding.start'],
      'operator sink',
      60_000,
      (record) => String(record.event.action),
    );
    const { page: auditor, context } = await cw.newOperatorPage();
    await signIn(auditor, cw.consoleUrl, cw.operators.auditor!);
    await expect(auditor.getByRole('link', { name: 'Fleet' }).count()).resolves.toBe(0);
    await auditor.getByRole('heading', { name: 'Nothing here for you' }).waitFor();
    await auditor.getByRole('link', { name: 'Audit log' }).first().click();
    await auditor.getByLabel('Tenant').selectOption({ label: cw.ow.inScope.displayName });
    // The lead's onboarding start and refused attempt are in the tenant's trail, and both sinks verify.
    await auditor.getByRole('rowheader', { name: 'onboarding.start' }).first().waitFor();
    const verification = auditor.getByTestId('verification');
    await verification.getByText('intact').waitFor();
    await verification.getByText('operator sink').waitFor();
    await verification.getByText('customer sink').waitFor();
    await expectAccessible(auditor, 'audit-log');
    await context.close();
  });

  it('shows drift and readiness, and a reconcile the API refuses with its problem as it came', async () => {
    const tenant = cw.ow.inScope;
    await lead.getByRole('link', { name: 'Drift and readiness' }).click();
    await lead.getByLabel('Tenant').selectOption({ label: tenant.displayName });
    await lead.getByRole('heading', { name: 'Readiness', exact: true }).waitFor();
    await lead.getByText('No drift that is new.').waitFor();
    // The world's tenants were registered without provisioning: the API says so, and the console shows it.
    await lead.getByRole('button', { name: 'Reconcile now' }).click();
    const problem = lead.getByRole('alert').filter({ hasText: '409 Conflict' });
    await problem.getByText('not under desired-state management').waitFor();
    await expectAccessible(lead, 'drift-and-readiness');
  });
  it('runs a sweep on the tenant view and shows its result as it arrives from the API', async () => {
    const tenant = cw.ow.inScope;
    await lead.goto(`${cw.consoleUrl}tenants/${tenant.id}`);
    await lead.getByRole('heading', { name: tenant.displayName, level: 1 }).waitFor();
    await lead.getByRole('button', { name: 'Run sweep now' }).click();
    const status = lead.getByTestId('sweep-status');
    await status.getByText(/: completed/).waitFor({ timeout: 60_000 });
    const summary = lead.getByTestId('last-sweep');
    await summary.waitFor({ timeout: 15_000 });
    expect(await summary.innerText()).toMatch(/\d+ healthy, \d+ unhealthy, \d+ not reporting of \d+/);
    const rules = lead.getByRole('table', { name: 'Results per rule' });
    await rules.getByRole('rowheader').first().waitFor();
    expect(await rules.getByRole('row').count()).toBeGreaterThan(1);
    await expectAccessible(lead, 'tenant-sweep');
  });

  it('has two operators request and approve a credential checkout, check it out and in', async () => {
    const tenant = cw.provisioned;
    const requester = await cw.newOperatorPage();
    const approver = await cw.newOperatorPage();
    const { page } = requester;
    await signIn(page, cw.consoleUrl, cw.operators.responder!);
    await page.getByRole('link', { name: 'Credential requests' }).first().click();
    const request = async () => {
      await page.getByLabel('Tenant').first().selectOption({ label: tenant.displayName });
      await page.getByLabel('Account').selectOption('msadmin');
      await page.getByLabel('Ticket').fill('INC-2041');
      await page.getByLabel('Justification').fill('Investigating incident INC-2041 on the tenant');
      await page.getByRole('button', { name: 'Request checkout' }).click();
    };
    // MFA is not enough: the API asks for the privileged authentication context, and the page steps up for it.
    await request();
    await page.getByRole('alert').getByText('403', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Sign in again for c1' }).click();
    await completeSignIn(page, cw.operators.responder!);
    await page.getByRole('button', { name: 'Request checkout' }).waitFor();
    await request();
    const facts = page.getByTestId('credential-request');
    await facts.getByText('pending', { exact: true }).waitFor();
    await expectAccessible(page, 'credential-request-pending');
    const requestUrl = page.url();

    // The requester may not approve their own request: no such button.
    await expect(page.getByRole('button', { name: 'Approve' }).count()).resolves.toBe(0);

    const other = approver.page;
    await signIn(other, cw.consoleUrl, cw.operators.approver!);
    await other.goto(requestUrl);
    await other.getByTestId('credential-request').getByText('pending', { exact: true }).waitFor();
    await other.getByRole('button', { name: 'Approve' }).click();
    // Approving asks for the privileged context too: the approver steps up, comes back to the request, approves.
    await other.getByRole('button', { name: 'Sign in again for c1' }).click();
    await completeSignIn(other, cw.operators.approver!);
    await other.getByRole('button', { name: 'Approve' }).click();
    const approved = other.getByTestId('credential-request').getByText('approved', { exact: true });
    await approved.waitFor();
    await expectAccessible(other, 'credential-request-approved');

    await facts.getByText('approved', { exact: true }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Check out' }).click();
    await facts.getByText('checkedOut', { exact: true }).waitFor();
    const panel = page.getByRole('region', { name: 'Checked-out credential' });
    await panel.getByLabel(/^Lease: \d+:\d\d left$/).waitFor();
    await panel.getByRole('button', { name: 'Show password' }).click();
    const password = await panel.getByTestId('password').innerText();
    expect(password.length).toBeGreaterThanOrEqual(16);
    await expectAccessible(page, 'credential-checked-out');

    await page.getByRole('button', { name: 'Check in' }).click();
    await facts.getByText('checkedIn at', { exact: false }).waitFor({ timeout: 30_000 });
    await expect(panel.count()).resolves.toBe(0);
    const html = await page.content();
    const stored = await page.evaluate(() => {
      type Store = { length: number; key(i: number): string | null; getItem(key: string): string | null };
      const g = globalThis as unknown as { sessionStorage: Store; localStorage: Store };
      return [g.sessionStorage, g.localStorage].flatMap((store) =>
        Array.from({ length: store.length }, (_, i) => store.key(i) ?? '').map(
          (key) => `${key}=${store.getItem(key) ?? ''}`,
        ),
      );
    });
    expect(html).not.toContain(password);
    expect(stored.length).toBeGreaterThan(0);
    for (const entry of stored) expect(entry).not.toContain(password);
    await expectAccessible(page, 'credential-checked-in');
    await requester.context.close();
    await approver.context.close();
  });
  it('reports a changed policy of a provisioned tenant as drift after a reconcile, and accepts it', async () => {
    const tenant = cw.provisioned;
    // The tenant changed its Broad ring and chose to have changed policies reported, not overwritten.
    cw.ow.world.sim.control.changeTenant(tenant.id, {
      kind: 'changePolicy',
      displayName: 'Managed Desktop - Update ring Broad',
      changes: { qualityUpdatesDeferralPeriodInDays: 20 },
    });
    const token = cw.ow.world.sim.control.issueOperatorToken(
      tokenRequest(cw.operators.lead!, stackSettings()),
    );
    const policy = await cw.ow.call('PUT', `/api/v1/tenants/${tenant.id}/drift-policy`, {
      token,
      body: { handling: { 'kind:changed': 'report' } },
    });
    expect(policy.status).toBe(200);

    await lead.goto(`${cw.consoleUrl}drift`);
    await lead.getByLabel('Tenant').selectOption({ label: tenant.displayName });
    await lead.getByText('No drift that is new.').waitFor();
    await lead.getByRole('button', { name: 'Reconcile now' }).click();
    const row = lead.getByRole('row').filter({ has: lead.getByRole('rowheader', { name: 'policy:ring-broad' }) });
    await row.getByText('qualityUpdatesDeferralPeriodInDays', { exact: false }).waitFor({ timeout: 30_000 });
    await row.getByText('new', { exact: true }).waitFor();
    await expectAccessible(lead, 'drift-reported');

    await row.getByLabel('Reason').fill('The customer defers Broad longer.');
    await row.getByRole('button', { name: 'Accept' }).click();
    await lead.getByText('No drift that is new.').waitFor();
    await lead.getByLabel('Status').selectOption({ label: 'accepted' });
    await row.getByText('accepted', { exact: true }).waitFor();
    await row.getByText('The customer defers Broad longer.', { exact: false }).waitFor();
    await expectAccessible(lead, 'drift-accepted');
  });
});
