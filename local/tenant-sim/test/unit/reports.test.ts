import { VirtualClock } from '@mds/platform-kit';
import { seedDemoTenants } from '../../model';
import { serveExportDownload } from '../../routes';
import { type Entry, fromBuffer } from 'yauzl';
import { errorOf, harness } from './support';

/** The one file inside an export's ZIP: its name and its text. */
function unzipOne(zip: Buffer): Promise<{ name: string; text: string }> {
  return new Promise((resolve, reject) => {
    fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error) return reject(error);
      file.readEntry();
      file.on('entry', (entry: Entry) => {
        file.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () =>
            resolve({ name: entry.fileName, text: Buffer.concat(chunks).toString('utf8') }),
          );
          stream.on('error', reject);
        });
      });
      file.on('error', reject);
    });
  });
}

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
    const download = await serveExportDownload(h.world, 'GET', url);
    expect(download).toMatchObject({
      status: 200,
      headers: expect.objectContaining({ 'content-type': 'application/x-zip-compressed' }),
    });
    const file = await unzipOne(download?.body as Buffer);
    expect(file.name).toBe(`DefenderAgents_${String(job.id)}.csv`);
    const lines = file.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('DeviceId,DeviceName,SignatureUpdateOverdue,UPN');
    expect(lines).toHaveLength(1 + demo.managedDevices(h.clock.now()).length);
    expect(lines.slice(1).some((line) => line.includes(',True,'))).toBe(true);

    const forged = new URL(url);
    forged.searchParams.set('sig', 'forged');
    expect((await serveExportDownload(h.world, 'GET', forged))?.status).toBe(403);
    expect(await serveExportDownload(h.world, 'GET', new URL('https://127.0.0.1/elsewhere'))).toBeUndefined();

    // The link expires an hour after it was handed out; reading the job again signs a fresh one.
    await h.advance(61 * 60_000);
    expect((await serveExportDownload(h.world, 'GET', url))?.status).toBe(403);
    const again = await poll();
    expect((await serveExportDownload(h.world, 'GET', new URL(again.url as string)))?.status).toBe(200);
  });

  it('ends scripted jobs failed, and refuses scripted downloads as expired', async () => {
    const h = harness(new VirtualClock());
    const { demo } = seedDemoTenants(h.world);
    h.world.scriptExports(demo.id, {
      failNext: { count: 1, reportName: 'DeviceCompliance' },
      expireNextDownloads: 1,
    });
    const submit = (reportName: string): Promise<Json> =>
      h.expectOk(demo, 'POST', '/deviceManagement/reports/exportJobs', {
        body: { reportName, select: ['DeviceId'] },
      });
    const failing = await submit('DeviceCompliance');
    const working = await submit('DeviceCompliance');
    await h.advance(61_000);
    const read = (job: Json): Promise<Json> =>
      h.expectOk(demo, 'GET', `/deviceManagement/reports/exportJobs('${String(job.id)}')`);
    expect(await read(failing)).toMatchObject({ status: 'failed', url: null });
    const done = await read(working);
    expect(done.status).toBe('completed');
    const url = new URL(done.url as string);
    expect((await serveExportDownload(h.world, 'GET', url))?.status).toBe(403);
    expect((await serveExportDownload(h.world, 'GET', url))?.status).toBe(200);
  });

  it('serves update, app inventory and profile status reports, and they follow the devices', async () => {
    const h = harness(new VirtualClock());
    const { demo } = seedDemoTenants(h.world);
    const now = h.clock.now();
    const ring = demo.policies.create(
      'deviceConfiguration',
      { '@odata.type': '#microsoft.graph.windowsUpdateForBusinessConfiguration', displayName: 'Ring Broad' },
      now,
    );
    demo.policies.assign(ring, [{ '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' }], now);
    await h.advance(11 * 60_000);
    const exportRows = async (body: Json): Promise<string[]> => {
      const job = await h.expectOk(demo, 'POST', '/deviceManagement/reports/exportJobs', { body });
      await h.advance(61_000);
      const done = await h.expectOk(demo, 'GET', `/deviceManagement/reports/exportJobs/${String(job.id)}`);
      const download = await serveExportDownload(h.world, 'GET', new URL(done.url as string));
      return (await unzipOne(download?.body as Buffer)).text.trimEnd().split('\r\n');
    };
    const quality = {
      reportName: 'QualityUpdateDeviceStatusByPolicy',
      filter: `(PolicyId eq '${ring.id}')`,
      select: ['DeviceId', 'OSVersion', 'AggregateState'],
    };
    const before = await exportRows(quality);
    expect(before).toHaveLength(1 + demo.managedDevices(h.clock.now()).length);
    const updated = h.world.installQualityUpdate(demo.id, 3);
    expect(updated).toHaveLength(3);
    const after = await exportRows(quality);
    const changed = after.filter((line) => !before.includes(line));
    expect(changed).toHaveLength(3);
    expect(changed.every((line) => updated.some((id) => line.startsWith(id)))).toBe(true);

    const unfiltered = await h.call(demo, 'POST', '/deviceManagement/reports/exportJobs', {
      body: { reportName: 'FeatureUpdateDeviceState', select: ['DeviceId'] },
    });
    expect(unfiltered.status).toBe(400);
    const apps = await exportRows({ reportName: 'AppInvRawData', select: ['DeviceId', 'ApplicationName'] });
    expect(apps.length).toBeGreaterThan(demo.managedDevices(h.clock.now()).length);
    const profiles = await exportRows({
      reportName: 'DeviceStatusesByConfigurationProfile',
      select: ['PolicyId', 'DeviceId', 'PolicyStatus_loc'],
    });
    expect(profiles.slice(1).every((line) => line.startsWith(ring.id))).toBe(true);
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
    const download = await serveExportDownload(h.world, 'GET', new URL(done.url as string));
    const rows = (JSON.parse((await unzipOne(download?.body as Buffer)).text) as { values: Json[] }).values;
    const now = h.clock.now();
    expect(rows).toHaveLength(
      demo.managedDevices(now).filter((device) => demo.complianceState(device, now) === 'noncompliant')
        .length,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.ComplianceState === 'Noncompliant')).toBe(true);
  });
});
