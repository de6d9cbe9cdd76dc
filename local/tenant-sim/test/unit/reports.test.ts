import { VirtualClock } from '@mds/platform-kit';
import { seedDemoTenants } from '../../model';
import { serveExportDownload } from '../../routes';
import { errorOf, harness } from './support';

type Json = Record<string, unknown>;

describe('report export jobs', () => {
  it('progress notStarted → inProgress → completed and then offer the report for download', async () => {
    const h = harness(new VirtualClock());
    const { demo } = seedDemoTenants(h.world);
    const job = await h.expectOk(demo, 'POST', '/deviceManagement/reports/exportJobs', {
      surface: 'graph-beta',
      body: {
        reportName: 'DefenderAgents',
        select: ['DeviceId', 'DeviceName', 'SignatureUpdateOverdue', 'UPN'],
        format: 'csv',
      },
    });
    expect(job).toMatchObject({
      status: 'notStarted',
      url: null,
      reportName: 'DefenderAgents',
      format: 'csv',
    });
    const poll = (): Promise<Json> =>
      h.expectOk(demo, 'GET', `/deviceManagement/reports/exportJobs/${String(job.id)}`, {
        surface: 'graph-beta',
      });
    await h.advance(11_000);
    expect(await poll()).toMatchObject({ status: 'inProgress', url: null });
    await h.advance(50_000);
    const done = await poll();
    expect(done.status).toBe('completed');

    const url = new URL(done.url as string);
    const download = serveExportDownload(h.world, 'GET', url);
    expect(download).toMatchObject({
      status: 200,
      headers: expect.objectContaining({ 'content-type': 'text/csv; charset=utf-8' }),
    });
    const lines = (download?.body as string).trimEnd().split('\r\n');
    expect(lines[0]).toBe('DeviceId,DeviceName,SignatureUpdateOverdue,UPN');
    expect(lines).toHaveLength(1 + demo.managedDevices(h.clock.now()).length);
    expect(lines.slice(1).some((line) => line.includes(',True,'))).toBe(true);

    url.searchParams.set('token', 'forged');
    expect(serveExportDownload(h.world, 'GET', url)?.status).toBe(403);
    expect(serveExportDownload(h.world, 'GET', new URL('https://127.0.0.1/elsewhere'))).toBeUndefined();
  });

  it('refuses unknown reports and columns, and reports that need a filter', async () => {
    const h = harness(new VirtualClock());
    const { demo } = seedDemoTenants(h.world);
    const unknown = await h.call(demo, 'POST', '/deviceManagement/reports/exportJobs', {
      body: { reportName: 'NoSuchReport' },
    });
    expect(unknown.status).toBe(400);
    expect(errorOf(unknown).code).toBe('BadRequest');
    const column = await h.call(demo, 'POST', '/deviceManagement/reports/exportJobs', {
      body: { reportName: 'DeviceCompliance', select: ['Nope'] },
    });
    expect(column.status).toBe(400);
    const unfiltered = await h.call(demo, 'POST', '/deviceManagement/reports/exportJobs', {
      body: { reportName: 'DeviceInstallStatusByApp' },
    });
    expect(unfiltered.status).toBe(400);
  });

  it('applies the report filter to the exported rows (JSON format)', async () => {
    const h = harness(new VirtualClock());
    const { demo } = seedDemoTenants(h.world);
    const job = await h.expectOk(demo, 'POST', '/deviceManagement/reports/exportJobs', {
      body: { reportName: 'DeviceCompliance', filter: "(ComplianceState eq 'Noncompliant')", format: 'json' },
    });
    await h.advance(61_000);
    const done = await h.expectOk(demo, 'GET', `/deviceManagement/reports/exportJobs/${String(job.id)}`);
    const rows = (
      JSON.parse(serveExportDownload(h.world, 'GET', new URL(done.url as string))?.body as string) as {
        values: Json[];
      }
    ).values;
    const now = h.clock.now();
    expect(rows).toHaveLength(
      demo.managedDevices(now).filter((device) => demo.complianceState(device, now) === 'noncompliant')
        .length,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.ComplianceState === 'Noncompliant')).toBe(true);
  });
});
