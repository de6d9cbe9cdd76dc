import { VirtualClock } from '@mds/platform-kit';
import { seedDemoTenants } from '../../model';
import { errorOf, harness, minute } from './support';

type Json = Record<string, unknown>;

function setup() {
  const h = harness(new VirtualClock());
  const { demo } = seedDemoTenants(h.world);
  return { h, demo };
}

describe('Defender for Endpoint', () => {
  it('runs one antivirus scan at a time per machine: a second while pending is refused with ActiveRequestAlreadyExists', async () => {
    const { h, demo } = setup();
    const page = await h.expectOk<{ value: Json[] }>(demo, 'GET', '/machines', {
      surface: 'defender',
      query: { $filter: "healthStatus eq 'Active'", $top: '1' },
    });
    const machineId = page.value[0]?.id as string;
    const scan = { surface: 'defender' as const, body: { Comment: 'weekly hygiene', ScanType: 'Quick' } };
    const action = await h.expectOk(demo, 'POST', `/machines/${machineId}/runAntiVirusScan`, scan);
    expect(action).toMatchObject({
      type: 'RunAntiVirusScan',
      scope: 'Quick',
      status: 'Pending',
      machineId,
      requestorComment: 'weekly hygiene',
    });

    const second = await h.call(demo, 'POST', `/machines/${machineId}/runAntiVirusScan`, scan);
    expect(second.status).toBe(400);
    expect(errorOf(second)).toEqual({
      code: 'ActiveRequestAlreadyExists',
      message: 'Action is already in progress',
      target: expect.any(String),
    });

    await h.advance(2 * minute);
    expect(
      await h.expectOk(demo, 'GET', `/machineactions/${String(action.id)}`, { surface: 'defender' }),
    ).toMatchObject({ status: 'InProgress' });
    await h.advance(5 * minute);
    const done = await h.expectOk(demo, 'GET', `/machineactions/${String(action.id)}`, {
      surface: 'defender',
    });
    expect(done.status).toBe('Succeeded');
    const av = await h.expectOk<{ value: Json[] }>(demo, 'GET', '/deviceavinfo', {
      surface: 'defender',
      query: { $filter: `machineId eq '${machineId}'` },
    });
    expect(av.value[0]?.quickScanTime).toBe(done.lastUpdateDateTimeUtc);
    // Finished, so a new scan is accepted.
    await h.expectOk(demo, 'POST', `/machines/${machineId}/runAntiVirusScan`, scan);
  });

  it('validates the scan body case-sensitively, as Defender does', async () => {
    const { h, demo } = setup();
    const machineId = demo.defenderMachines(h.clock.now())[0]?.machineId;
    const response = await h.call(demo, 'POST', `/machines/${machineId}/runAntiVirusScan`, {
      surface: 'defender',
      body: { comment: 'x', scanType: 'Quick' },
    });
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('MissingRequiredParameter');
  });

  it('filters machines on aadDeviceId and onboardingStatus, and refuses $top above 10,000', async () => {
    const { h, demo } = setup();
    const device = demo.allDevices().find((candidate) => candidate.isOnboarded(h.clock.now()));
    const byAad = await h.expectOk<{ value: Json[] }>(demo, 'GET', '/machines', {
      surface: 'defender',
      query: { $filter: `aadDeviceId eq '${device?.azureADDeviceId}'` },
    });
    expect(byAad.value).toEqual([
      expect.objectContaining({ id: device?.machineId, onboardingStatus: 'Onboarded', isAadJoined: true }),
    ]);
    const discovered = await h.expectOk<{ value: Json[] }>(demo, 'GET', '/machines', {
      surface: 'defender',
      query: { $filter: "onboardingStatus eq 'CanBeOnboarded'" },
    });
    expect(discovered.value.length).toBeGreaterThan(0);
    expect(discovered.value.every((machine) => machine.aadDeviceId === null)).toBe(true);
    const tooMany = await h.call(demo, 'GET', '/machines', { surface: 'defender', query: { $top: '10001' } });
    expect(tooMany.status).toBe(400);
    const missing = await h.call(demo, 'GET', `/machines/${'0'.repeat(40)}`, { surface: 'defender' });
    expect(missing.status).toBe(404);
    expect(errorOf(missing)).toMatchObject({ code: 'ResourceNotFound', target: expect.any(String) });
  });

  it('pages deviceavinfo 20 at a time by default with $skip links', async () => {
    const { h, demo } = setup();
    const page = await h.expectOk<{ value: Json[]; '@odata.nextLink'?: string }>(
      demo,
      'GET',
      '/deviceavinfo',
      { surface: 'defender' },
    );
    expect(page.value).toHaveLength(20);
    expect(page['@odata.nextLink']).toMatch(/\$skip=20/);
  });
});
