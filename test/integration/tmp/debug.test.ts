import { instanceIdOf, orderFor, startOnboardingWorld } from '../../support/onboarding-world';
jest.setTimeout(120_000);
it('debug', async () => {
  const world = await startOnboardingWorld();
  try {
    const t = await world.addTenant({ name: 'Dbg', deviceCount: 5, seats: { enabled: 10, consumed: 0 } });
    const [upn] = world.unlicensedUsers(t.id, 1);
    await world.postOrder(orderFor(t.id, 'PO-D', [{ serial: 'DBG-1', upn: upn! }]));
    const id = instanceIdOf(t.id, 'DBG-1');
    await world.waitForInstances([id], 40000).catch((e) => console.warn(String(e)));
    const s = await (world.host.durable as any).getStatus(id, { showHistory: true });
    console.warn(JSON.stringify(s, null, 1).slice(0, 6000));
    console.warn(JSON.stringify(world.sim.control.counterValues(t.id), null, 1));
  } finally {
    await world.stop();
  }
});
