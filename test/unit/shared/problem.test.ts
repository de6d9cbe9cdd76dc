import { HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import {
  ConfigError,
  ConflictError,
  DependencyUnavailableError,
  ThrottledError,
  ValidationError,
} from '../../../shared/errors';
import { httpEntry, maxListedErrors, toProblemResponse } from '../../../shared/http/problem';

const request = new HttpRequest({ url: 'http://localhost:7071/api/devices/abc', method: 'GET' });

function context(): { ctx: InvocationContext; errors: unknown[][] } {
  const errors: unknown[][] = [];
  const ctx = new InvocationContext({
    invocationId: 'inv-1',
    functionName: 'f',
    logHandler: (level, ...args) => level === 'error' && errors.push(args),
  });
  return { ctx, errors };
}

describe('toProblemResponse', () => {
  it('maps a validation error to 400 with every field problem', () => {
    const { ctx } = context();
    const res = toProblemResponse(
      new ValidationError('The order is invalid.', [
        { field: 'devices.0.serialNumber', message: 'Required' },
        { field: 'tenantId', message: 'Invalid uuid' },
      ]),
      request,
      ctx,
    );
    expect(res.status).toBe(400);
    expect(res.headers).toMatchObject({ 'content-type': 'application/problem+json' });
    expect(res.jsonBody).toMatchObject({
      status: 400,
      code: 'validation_failed',
      title: 'Bad Request',
      instance: '/api/devices/abc',
      errors: [{ field: 'devices.0.serialNumber' }, { field: 'tenantId' }],
    });
  });

  it('adds Retry-After in seconds for throttling', () => {
    const { ctx } = context();
    const res = toProblemResponse(new ThrottledError('slow down', 2500), request, ctx);
    expect(res.status).toBe(429);
    expect(res.headers).toMatchObject({ 'retry-after': '3' });
  });

  it('keeps the message of a typed error', () => {
    const { ctx } = context();
    const res = toProblemResponse(new ConflictError('Already running.'), request, ctx);
    expect(res.jsonBody).toMatchObject({ status: 409, detail: 'Already running.' });
  });

  it('hides the message of an unknown error and logs it with the invocation id', () => {
    const { ctx, errors } = context();
    const res = toProblemResponse(new Error('password=hunter2 at db'), request, ctx);
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.jsonBody)).not.toContain('hunter2');
    expect(res.jsonBody).toMatchObject({ invocationId: 'inv-1', code: 'internal_error' });
    expect(errors).toHaveLength(1);
  });
});

describe('toProblemResponse for outages', () => {
  it('tells the caller when to retry after a dependency outage', () => {
    const { ctx } = context();
    const res = toProblemResponse(new DependencyUnavailableError('queue down', 'serviceBus'), request, ctx);
    expect(res.status).toBe(503);
    expect(res.headers).toMatchObject({ 'retry-after': '30' });
  });
});

describe('hardened problem answers', () => {
  it('lists at most the first 50 field problems of a 400, and counts them all', () => {
    const { ctx } = context();
    const problems = Array.from({ length: 10_000 }, (_, i) => ({
      field: `devices.${i}.serialNumber`,
      message: 'must be letters, digits, and . _ - only',
    }));
    const res = toProblemResponse(new ValidationError('The order is invalid.', problems), request, ctx);
    expect(res.status).toBe(400);
    const body = res.jsonBody as { errors: unknown[]; errorCount: number };
    expect(body.errors).toHaveLength(maxListedErrors);
    expect(body.errors[0]).toEqual(problems[0]);
    expect(body.errorCount).toBe(10_000);
    expect(JSON.stringify(body).length).toBeLessThan(10_000);
  });

  it('answers a settings error as a plain 503 that names no setting, and logs what it was', async () => {
    const error = new ConfigError([{ field: 'WEBHOOK_SOURCES', message: 'must name at least one source' }]);
    const { ctx, errors } = context();
    const direct = toProblemResponse(error, request, ctx);
    const { ctx: entryCtx } = context();
    const throughEntry = await httpEntry(() => {
      throw error;
    })(request, entryCtx);
    for (const res of [direct, throughEntry]) {
      expect(res.status).toBe(503);
      expect(res.headers).toMatchObject({ 'retry-after': expect.any(String) });
      const { jsonBody } = res as HttpResponseInit;
      expect(JSON.stringify(jsonBody)).not.toContain('WEBHOOK_SOURCES');
      expect(jsonBody).toMatchObject({ status: 503, code: 'service_unavailable' });
    }
    expect(JSON.stringify(errors)).toContain('WEBHOOK_SOURCES');
  });
});
