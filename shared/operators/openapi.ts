import { z } from 'zod';
import { apiBasePath, isTenantScoped, isWrite, operatorRoutes, type RouteSpec } from './routes';

type JsonSchema = Record<string, unknown>;

/** A zod schema as JSON Schema 2020-12 (the dialect of OpenAPI 3.1), without its `$schema` member. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const problemSchema: JsonSchema = {
  type: 'object',
  description: 'RFC 7807 problem details; every error of this API has this shape.',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: {
      type: 'string',
      description: 'Stable machine-readable reason, e.g. role_required, mfa_required.',
    },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
    requiredRole: { type: 'string' },
    requiredAuthenticationMethod: { type: 'string' },
    requiredAuthenticationContext: { type: 'string' },
    ineligibleBecause: { type: 'array', items: { type: 'string' } },
    invocationId: { type: 'string' },
  },
};

const problem = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } },
});

function parameters(location: 'path' | 'query' | 'header', schema: z.ZodObject | undefined): unknown[] {
  if (!schema) return [];
  return Object.entries(schema.shape).map(([name, field]) => {
    const fieldSchema = field as z.ZodType;
    const described = jsonSchema(fieldSchema, 'input');
    const { description, ...rest } = described;
    return {
      name,
      in: location,
      required: location === 'path' || !fieldSchema.safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function responses(spec: RouteSpec): Record<string, unknown> {
  const success = spec.success;
  const answers: Record<string, unknown> = {
    [String(success.status)]: {
      description: success.description,
      ...(success.schema
        ? {
            content: {
              [success.contentType ?? 'application/json']: { schema: jsonSchema(success.schema, 'output') },
            },
          }
        : success.contentType
          ? { content: { [success.contentType]: {} } }
          : {}),
    },
  };
  if (spec.access.kind === 'anonymous') return answers;
  if (spec.params || spec.query || spec.body || spec.headers)
    answers['400'] = problem('An input is invalid; `errors` lists each.');
  answers['401'] = problem('The bearer token is missing or invalid.', {
    'WWW-Authenticate': { description: 'Bearer error="invalid_token"', schema: { type: 'string' } },
  });
  if (spec.access.kind === 'role')
    answers['403'] = problem(
      `The caller is not an eligible operator, lacks the ${spec.access.role} role` +
        (isWrite(spec) ? ', or signed in without MFA' : '') +
        (spec.access.privileged ? ', or lacks the privileged authentication context' : '') +
        '.',
    );
  if (isTenantScoped(spec) || spec.params)
    answers['404'] = problem('Not found, or outside the caller’s tenants.');
  if (isWrite(spec)) answers['409'] = problem('The resource is not in a state that allows this.');
  if (spec.headers && 'idempotency-key' in spec.headers.shape) {
    answers['409'] = problem(
      'A request with this Idempotency-Key is still being answered, or the tenant’s state forbids it.',
    );
    answers['422'] = problem('This Idempotency-Key was used for a different request.');
  }
  if (spec.body) answers['413'] = problem('The body is too large.');
  answers['503'] = problem(
    'A dependency (the audit trail, Entra ID, the database) is unavailable; retry after Retry-After.',
    {
      'Retry-After': { schema: { type: 'integer' } },
    },
  );
  return answers;
}

function operation(name: string, spec: RouteSpec): Record<string, unknown> {
  const role = spec.access.kind === 'role' ? spec.access.role : undefined;
  const needs = [
    role ? `Role: ${role}.` : spec.access.kind === 'signedIn' ? 'Any valid token.' : 'Anonymous.',
    ...(isWrite(spec) ? ['Needs an MFA sign-in (mfa in amr); recorded in the audit trail.'] : []),
    ...(role && spec.access.kind === 'role' && spec.access.privileged
      ? ['Needs the privileged authentication context (acrs).']
      : []),
    ...(isTenantScoped(spec)
      ? ['Tenant-scoped: a tenant outside your scope answers 404 as an unknown one does.']
      : []),
  ];
  return {
    operationId: name,
    tags: [spec.tag],
    summary: spec.summary,
    description: [spec.description, needs.join(' ')].filter(Boolean).join('\n\n'),
    security: spec.access.kind === 'anonymous' ? [] : [{ entraId: [] }],
    'x-required-role': role ?? null,
    'x-requires-mfa': isWrite(spec) && spec.access.kind !== 'anonymous',
    ...(spec.audit ? { 'x-audit-action': spec.audit } : {}),
    parameters: [
      ...parameters('path', spec.params),
      ...parameters('query', spec.query),
      ...parameters('header', spec.headers),
    ],
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
          },
        }
      : {}),
    responses: responses(spec),
  };
}

/** The OpenAPI 3.1 document of the operator API, generated from the route table and the schemas it validates with. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(operatorRoutes) as [string, RouteSpec][]) {
    const path = `/${spec.path}`;
    (paths[path] ??= {})[spec.method.toLowerCase()] = operation(name, spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Managed Desktop Security operator API',
      version,
      description:
        'Fleet, onboarding and tenant operations for operators: Entra ID access tokens for this API, app roles per ' +
        'endpoint, MFA for every write, tenant scope from the operator registry. Errors are RFC 7807 problem details.',
    },
    servers: [{ url: apiBasePath }],
    tags: [...new Set(Object.values(operatorRoutes).map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        entraId: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An Entra ID v2 access token of the operator tenant for this API (aud = OPERATOR_API_AUDIENCE), with its ' +
            'app roles in `roles`; RS256 or PS256.',
        },
      },
      schemas: { ProblemDetails: problemSchema },
    },
  };
}
