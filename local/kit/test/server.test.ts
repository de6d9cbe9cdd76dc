import { createServer } from 'node:http';
import { PortInUseError, listen } from '..';

describe('listen (the one way the platform servers bind and close)', () => {
  it('names the service whose port is taken', async () => {
    const first = await listen(createServer(), { name: 'First stand-in' });
    try {
      const second = listen(createServer(), { name: 'Second stand-in', port: first.port });
      await expect(second).rejects.toThrow(PortInUseError);
      await expect(second).rejects.toThrow(
        `Second stand-in: port ${first.port} on 127.0.0.1 is already in use.`,
      );
    } finally {
      await first.close();
    }
  });

  it('answers with its origin and closes once however often it is asked, keep-alive clients included', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    const listening = await listen(server, { name: 'Stand-in' });
    expect(listening.origin).toBe(`http://127.0.0.1:${listening.port}`);
    expect(await (await fetch(listening.origin)).text()).toBe('ok');
    await Promise.all([listening.close(), listening.close()]);
    expect(server.listening).toBe(false);
  });
});
