/**
 * Fuzzed bodies and query strings on every write route, sent by an operator whom nothing else would refuse (every
 * role, MFA, the authentication context, every tenant): each answer is a 4xx as problem details, never a 5xx.
 * fast-check with a fixed seed, so a failure replays.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { operatorRoles } from '../../../shared/operators/contract';
import { isWrite, operatorRoutes, type RouteSpec } from '../../../shared/operators/routes';
import {
  eligible,
  newOid,
  type OperatorWorld,
  type Persona,
  startOperatorWorld,
} from '../../support/operator-world';

jest.setTimeout(300_000);

const seed = 20_261_201;
const runs = 40;

describe('operator API write routes under fuzzed input', () => {
  let ow: OperatorWorld;
  let token: string;
  const persona: Persona = {
    name: 'fuzzer',
    oid: newOid(),
    roles: operatorRoles,
    amr: ['pwd', 'mfa'],
    acrs: ['c1'],
    record: eligible('all'),
  };
  const writes = (Object.entries(operatorRoutes) as [string, RouteSpec][]).filter(([, spec]) =>
    isWrite(spec),
  );

  beforeAll(async () => {
    ow = await startOperatorWorld();
    await ow.register(persona);
    token = ow.token(persona);
  });

  afterAll(() => ow.stop());

  const pathOf = (spec: RouteSpec) =>
    `/api/v1/${spec.path.replace('{tenantId}', ow.inScope.id).replace('{oid}', newOid())}`;

  async function expectClientError(
    method: string,
    path: string,
    options: Parameters<OperatorWorld['call']>[2],
  ) {
    const answer = await ow.call(method, path, { token, ...options });
    if (answer.status < 400 || answer.status >= 500 || answer.contentType !== 'application/problem+json') {
      throw new Error(
        `${method} ${path} answered ${answer.status} ${answer.contentType}: ${answer.text.slice(0, 300)}`,
      );
    }
  }

  const jsonValue = fc.jsonValue({ maxDepth: 4 });
  const text = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 50 }),
    fc.constant('{"devices": ['),
  );
  const query = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 30 }), {
    minKeys: 1,
    maxKeys: 4,
  });

  it.each(writes.map(([name, spec]) => [name, spec] as const))('%s: random JSON bodies', async (_, spec) => {
    await fc.assert(
      fc.asyncProperty(jsonValue, async (body) => {
        // A random value is never a valid body: must be refused as a 4xx.
        if (spec.body?.safeParse(body).success) return;
        await expectClientError(spec.method, pathOf(spec), {
          body,
          headers: { 'idempotency-key': randomUUID() },
        });
      }),
      { seed, numRuns: runs },
    );
  });

  it.each(writes.map(([name, spec]) => [name, spec] as const))(
    '%s: bytes that are not JSON',
    async (_, spec) => {
      await fc.assert(
        fc.asyncProperty(text, async (raw) => {
          if (raw.trim() === '' && !spec.body) return;
          await expectClientError(spec.method, pathOf(spec), {
            rawBody: raw,
            headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          });
        }),
        { seed, numRuns: runs },
      );
    },
  );

  it.each(writes.map(([name, spec]) => [name, spec] as const))(
    '%s: random query strings',
    async (_, spec) => {
      await fc.assert(
        fc.asyncProperty(query, async (params) => {
          const search = new URLSearchParams(params);
          if (search.has('access_token')) return;
          await expectClientError(spec.method, `${pathOf(spec)}?${search.toString()}`, {
            headers: { 'idempotency-key': randomUUID() },
          });
        }),
        { seed, numRuns: runs },
      );
    },
  );

  it('mutated valid bodies never answer 5xx', async () => {
    const device = {
      serialNumber: 'FUZZ-1',
      hardwareHash: Buffer.from('fuzz-hardware-hash-000000').toString('base64'),
      assignedUserPrincipalName: 'someone@example.com',
    };
    const valid: Record<string, Record<string, unknown>> = {
      startOnboardings: { devices: [device] },
      putOperator: eligible([ow.inScope.id]) as unknown as Record<string, unknown>,
    };
    for (const [name, body] of Object.entries(valid)) {
      const spec = operatorRoutes[name as 'putOperator'] as RouteSpec;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...Object.keys(body)), jsonValue, async (field, value) => {
          const answer = await ow.call(spec.method, pathOf(spec), {
            token,
            body: { ...body, [field]: value },
            headers: { 'idempotency-key': randomUUID() },
          });
          if (answer.status >= 500)
            throw new Error(`${name} ${field}=${JSON.stringify(value)}: ${answer.text}`);
          if (answer.status >= 400) expect(answer.contentType).toBe('application/problem+json');
        }),
        { seed, numRuns: runs },
      );
    }
  });
});
