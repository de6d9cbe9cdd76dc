import { VirtualClock } from '@mds/platform-kit';
import { seedDemoTenants } from '../../model';
import { errorOf, harness } from './support';

type Json = Record<string, unknown>;
const e5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';

function setup() {
  const h = harness(new VirtualClock());
  const { demo, noSeats } = seedDemoTenants(h.world);
  return { h, demo, noSeats };
}

describe('licences', () => {
  it('assigns E5 to a user with a usage location and takes one seat; assigning again is idempotent', async () => {
    const { h, demo } = setup();
    const user = demo.directory
      .allUsers()
      .find((candidate) => candidate.usageLocation && candidate.assignedLicenses.length === 0);
    if (!user) throw new Error('the demo tenant has no unlicensed user with a usage location');
    const seatsBefore = demo.directory.skus[0]?.consumed as number;
    const assign = { body: { addLicenses: [{ skuId: e5, disabledPlans: [] }], removeLicenses: [] } };
    const updated = await h.expectOk(
      demo,
      'POST',
      `/users/${user.userPrincipalName}/assignLicense`,
      assign,
      200,
    );
    expect(updated).toMatchObject({ id: user.id, userPrincipalName: user.userPrincipalName });
    await h.expectOk(demo, 'POST', `/users/${user.id}/assignLicense`, assign, 200);
    const skus = await h.expectOk<{ value: Json[] }>(demo, 'GET', '/subscribedSkus');
    expect(skus.value[0]).toMatchObject({
      skuId: e5,
      skuPartNumber: 'SPE_E5',
      consumedUnits: seatsBefore + 1,
      prepaidUnits: expect.objectContaining({ enabled: 400 }),
    });
    const selected = await h.expectOk(demo, 'GET', `/users/${user.id}`, {
      query: { $select: 'assignedLicenses,usageLocation' },
    });
    expect(selected).toMatchObject({
      assignedLicenses: [{ skuId: e5, disabledPlans: [] }],
      usageLocation: user.usageLocation,
    });
  });

  it('refuses a user without usage location until PATCH sets one', async () => {
    const { h, demo } = setup();
    const user = demo.directory.allUsers().find((candidate) => candidate.usageLocation === null);
    if (!user) throw new Error('the demo tenant has no user without usage location');
    const assign = { body: { addLicenses: [{ skuId: e5 }], removeLicenses: [] } };
    const refused = await h.call(demo, 'POST', `/users/${user.id}/assignLicense`, assign);
    expect(refused.status).toBe(400);
    expect(errorOf(refused)).toMatchObject({
      code: 'Request_BadRequest',
      message: 'License assignment cannot be done for user with invalid usage location.',
    });
    await h.expectOk(demo, 'PATCH', `/users/${user.id}`, { body: { usageLocation: 'NL' } }, 204);
    await h.expectOk(demo, 'POST', `/users/${user.id}/assignLicense`, assign, 200);
  });

  it('refuses when every seat is taken', async () => {
    const { h, noSeats } = setup();
    const [user, ...seatTakers] = noSeats.directory
      .allUsers()
      .filter((candidate) => candidate.usageLocation && candidate.assignedLicenses.length === 0);
    if (!user || seatTakers.length < 4) throw new Error('the no-seats tenant has too few unlicensed users');
    // Its four spare seats (the service accounts' once provisioned) taken first.
    for (const taker of seatTakers.slice(0, 4))
      await h.expectOk(
        noSeats,
        'POST',
        `/users/${taker.id}/assignLicense`,
        { body: { addLicenses: [{ skuId: e5 }], removeLicenses: [] } },
        200,
      );
    const refused = await h.call(noSeats, 'POST', `/users/${user.id}/assignLicense`, {
      body: { addLicenses: [{ skuId: e5 }], removeLicenses: [] },
    });
    expect(refused.status).toBe(400);
    expect(errorOf(refused)).toMatchObject({
      code: 'Request_BadRequest',
      message: `Subscription with SKU ${e5} does not have any available licenses.`,
    });
    const licensed = noSeats.directory.allUsers().find((candidate) => candidate.holds(e5));
    // A user who already holds the licence needs no seat.
    await h.expectOk(
      noSeats,
      'POST',
      `/users/${licensed?.id}/assignLicense`,
      { body: { addLicenses: [{ skuId: e5 }], removeLicenses: [] } },
      200,
    );
  });

  it('needs both addLicenses and removeLicenses', async () => {
    const { h, demo } = setup();
    const user = demo.directory.allUsers()[0];
    const refused = await h.call(demo, 'POST', `/users/${user?.id}/assignLicense`, {
      body: { addLicenses: [{ skuId: e5 }] },
    });
    expect(errorOf(refused).message).toBe(
      "One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: removeLicenses.",
    );
  });

  it('returns the v1.0 default properties unless $select asks for more', async () => {
    const { h, demo } = setup();
    const user = demo.directory.allUsers()[0];
    const plain = await h.expectOk(demo, 'GET', `/users/${user?.userPrincipalName}`);
    expect(Object.keys(plain).sort()).toEqual(
      [
        '@odata.context',
        'businessPhones',
        'displayName',
        'givenName',
        'id',
        'jobTitle',
        'mail',
        'mobilePhone',
        'officeLocation',
        'preferredLanguage',
        'surname',
        'userPrincipalName',
      ].sort(),
    );
    const missing = await h.call(demo, 'GET', '/users/nobody@contoso.onmicrosoft.com');
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('Request_ResourceNotFound');
  });

  it('creates users in a verified domain only, once per userPrincipalName', async () => {
    const { h, demo } = setup();
    const body = {
      accountEnabled: true,
      displayName: 'MMD admin',
      mailNickname: 'msadmin',
      userPrincipalName: 'msadmin@contoso.onmicrosoft.com',
      passwordProfile: { password: 'x!Y2-long-enough' },
    };
    await h.expectOk(demo, 'POST', '/users', { body });
    const again = await h.call(demo, 'POST', '/users', { body });
    expect(errorOf(again).message).toBe(
      'Another object with the same value for property userPrincipalName already exists.',
    );
    const foreign = await h.call(demo, 'POST', '/users', {
      body: { ...body, userPrincipalName: 'msadmin@example.com' },
    });
    expect(foreign.status).toBe(400);
  });
});

describe('groups', () => {
  it('adds a member by $ref once; a second add and removing a non-member fail as Entra ID answers', async () => {
    const { h, demo } = setup();
    const group = await h.expectOk(demo, 'POST', '/groups', {
      body: {
        displayName: 'MMD service accounts',
        mailEnabled: false,
        mailNickname: 'mmdsvc',
        securityEnabled: true,
      },
    });
    const user = demo.directory.allUsers()[1];
    const reference = {
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user?.id}` },
    };
    await h.expectOk(demo, 'POST', `/groups/${String(group.id)}/members/$ref`, reference, 204);
    const duplicate = await h.call(demo, 'POST', `/groups/${String(group.id)}/members/$ref`, reference);
    expect(duplicate.status).toBe(400);
    expect(errorOf(duplicate).message).toBe(
      "One or more added object references already exist for the following modified properties: 'members'.",
    );
    const members = await h.expectOk<{ value: Json[] }>(demo, 'GET', `/groups/${String(group.id)}/members`);
    expect(members.value).toEqual([
      expect.objectContaining({ '@odata.type': '#microsoft.graph.user', id: user?.id }),
    ]);
    await h.expectOk(demo, 'DELETE', `/groups/${String(group.id)}/members/${user?.id}/$ref`, {}, 204);
    const again = await h.call(demo, 'DELETE', `/groups/${String(group.id)}/members/${user?.id}/$ref`);
    expect(again.status).toBe(404);
  });

  it('puts device objects in groups and finds them by deviceId', async () => {
    const { h, demo } = setup();
    const device = demo.allDevices()[0];
    const found = await h.expectOk<{ value: Json[] }>(demo, 'GET', '/devices', {
      query: { $filter: `deviceId eq '${device?.azureADDeviceId}'` },
    });
    expect(found.value).toEqual([
      expect.objectContaining({
        id: device?.directoryObjectId,
        trustType: 'AzureAd',
        operatingSystem: 'Windows',
      }),
    ]);
    const ring = demo.directory.allGroups().find((group) => group.settings.displayName.endsWith('-Test'));
    const members = await h.expectOk<{ value: Json[] }>(demo, 'GET', `/groups/${ring?.id}/members`, {
      query: { $top: '5' },
    });
    expect(members.value.every((member) => member['@odata.type'] === '#microsoft.graph.device')).toBe(true);
  });
});
