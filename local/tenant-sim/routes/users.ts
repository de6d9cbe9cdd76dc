/**
 * Entra ID users and licences: list, get (by id or userPrincipalName), create, update, `assignLicense`, and
 * the tenant's subscribed SKUs. v1.0 returns only the default user properties unless `$select` asks for more.
 */
import { type SimRequest, type SimResponse, type SimRoute } from '../contract';
import { type SimTenant, type SimUser, type SimWorld, ModelError, Permission } from '../model';
import { type AssignedLicense, passwordComplexityProblem } from '../model/directory';
import {
  created,
  entity,
  iso,
  list,
  narrow,
  noContent,
  objectBody,
  ok,
  optionalString,
  route,
  shapedList,
  tenantOf,
} from './common';

const graph = ['graph-v1.0', 'graph-beta'] as const;
const readUsers = [
  Permission.userRead,
  Permission.userReadWrite,
  Permission.directoryRead,
  Permission.directoryReadWrite,
];
const writeUsers = [Permission.userReadWrite, Permission.directoryReadWrite];

/** What v1.0 returns for a user without `$select`. */
const defaultUserProperties = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

export function userShape(user: SimUser): Record<string, unknown> {
  return {
    id: user.id,
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.userPrincipalName,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    accountEnabled: user.accountEnabled,
    usageLocation: user.usageLocation,
    assignedLicenses: user.assignedLicenses.map((licence) => ({
      disabledPlans: [...licence.disabledPlans],
      skuId: licence.skuId,
    })),
    createdDateTime: iso(user.createdAt),
    lastPasswordChangeDateTime: user.lastPasswordChangeAt === null ? null : iso(user.lastPasswordChangeAt),
    mailNickname: user.userPrincipalName.split('@')[0],
    userType: 'Member',
    department: null,
    companyName: null,
    country: null,
  };
}

/** The properties a response carries: v1.0 narrows to the defaults unless `$select` was given. */
function visibleUser(request: SimRequest, shape: Record<string, unknown>): Record<string, unknown> {
  if (request.surface !== 'graph-v1.0' || request.query.has('$select')) return shape;
  return Object.fromEntries(defaultUserProperties.map((name) => [name, shape[name] ?? null]));
}

function userResponse(request: SimRequest, user: SimUser): SimResponse {
  const response = entity(request, userShape(user), 'users');
  if (response.status !== 200) return response;
  const { '@odata.context': context, ...rest } = response.body as Record<string, unknown>;
  return ok({ '@odata.context': context, ...visibleUser(request, rest) });
}

const writableUserProperties = new Set([
  'usageLocation',
  'displayName',
  'givenName',
  'surname',
  'jobTitle',
  'accountEnabled',
  'passwordProfile',
]);

/**
 * A `passwordProfile` as `POST /users` and `PATCH /users/{id}` take it: the password must meet Entra's complexity
 * rule; `forceChangePasswordNextSignIn` is taken and not enforced (the simulator has no interactive sign-in).
 */
function passwordOf(body: Record<string, unknown>): string {
  const profile = body.passwordProfile as { password?: unknown } | null | undefined;
  if (typeof profile?.password !== 'string' || profile.password === '') {
    throw new ModelError(
      400,
      'Request_BadRequest',
      "Invalid value specified for property 'passwordProfile' of resource 'User'.",
    );
  }
  const problem = passwordComplexityProblem(profile.password);
  if (problem) throw new ModelError(400, 'Request_BadRequest', problem);
  return profile.password;
}

function requireProperty<T>(
  body: Record<string, unknown>,
  name: string,
  check: (value: unknown) => value is T,
): T {
  const value = body[name];
  if (!check(value))
    throw new ModelError(
      400,
      'Request_BadRequest',
      `Invalid value specified for property '${name}' of resource 'User'.`,
    );
  return value;
}

const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';

function licenceChanges(body: Record<string, unknown>): { add: AssignedLicense[]; remove: string[] } {
  const missing = ['addLicenses', 'removeLicenses'].filter((name) => !Array.isArray(body[name]));
  if (missing.length > 0) {
    throw new ModelError(
      400,
      'Request_BadRequest',
      `One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: ${missing.join(', ')}.`,
    );
  }
  const add = (body.addLicenses as unknown[]).map((entry) => {
    const licence = entry as { skuId?: unknown; disabledPlans?: unknown } | null;
    if (typeof licence?.skuId !== 'string')
      throw new ModelError(
        400,
        'Request_BadRequest',
        "Invalid value specified for property 'skuId' of resource 'AssignedLicense'.",
      );
    const plans = Array.isArray(licence.disabledPlans) ? licence.disabledPlans.map(String) : [];
    return { skuId: licence.skuId, disabledPlans: plans };
  });
  return { add, remove: (body.removeLicenses as unknown[]).map(String) };
}

function skuShape(tenant: SimTenant, sku: SimTenant['directory']['skus'][number]): Record<string, unknown> {
  return {
    accountName: tenant.displayName,
    accountId: tenant.id,
    appliesTo: 'User',
    capabilityStatus: 'Enabled',
    consumedUnits: sku.consumed,
    id: `${tenant.id}_${sku.skuId}`,
    prepaidUnits: { enabled: sku.enabled, suspended: 0, warning: 0, lockedOut: 0 },
    servicePlans: sku.servicePlans.map((plan) => ({
      ...plan,
      provisioningStatus: 'Success',
      appliesTo: 'User',
    })),
    skuId: sku.skuId,
    skuPartNumber: sku.skuPartNumber,
    subscriptionIds: [],
  };
}

export function userRoutes(world: SimWorld): SimRoute[] {
  const userOf = (request: SimRequest): { tenant: SimTenant; user: SimUser } => {
    const tenant = tenantOf(world, request);
    return { tenant, user: tenant.directory.requireUser(request.params.id ?? '') };
  };
  return [
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/users',
      write: false,
      permissions: readUsers,
      handler: (request) => {
        const directory = tenantOf(world, request).directory;
        const candidates = narrow(directory.allUsers(), request, {
          id: { value: (user) => user.id, find: (id) => directory.user(id) },
          userPrincipalName: { value: (user) => user.userPrincipalName, find: (upn) => directory.user(upn) },
          displayName: { value: (user) => user.displayName },
          usageLocation: { value: (user) => user.usageLocation },
        });
        const response = list(request, shapedList(candidates, userShape), 'users', {
          entityType: 'microsoft.graph.user',
        });
        if (response.status !== 200) return response;
        const page = response.body as { value: Record<string, unknown>[] };
        return ok({ ...page, value: page.value.map((user) => visibleUser(request, user)) });
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/users/{id}',
      write: false,
      permissions: readUsers,
      handler: (request) => userResponse(request, userOf(request).user),
    }),
    route({
      method: 'POST',
      surfaces: [...graph],
      pattern: '/users',
      write: true,
      permissions: writeUsers,
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const body = objectBody(request);
        const password = passwordOf(body);
        requireProperty(body, 'mailNickname', isString);
        const user = tenant.directory.addUser(
          {
            userPrincipalName: requireProperty(body, 'userPrincipalName', isString),
            displayName: requireProperty(body, 'displayName', isString),
            accountEnabled: requireProperty(body, 'accountEnabled', isBoolean),
            givenName: optionalString(body, 'givenName'),
            surname: optionalString(body, 'surname'),
            jobTitle: optionalString(body, 'jobTitle'),
            usageLocation: optionalString(body, 'usageLocation'),
          },
          request.clock.now(),
        );
        user.setPassword(password, request.clock.now());
        return created({
          '@odata.context': `${request.baseUrl}/$metadata#users/$entity`,
          ...visibleUser(request, userShape(user)),
        });
      },
    }),
    route({
      method: 'PATCH',
      surfaces: [...graph],
      pattern: '/users/{id}',
      write: true,
      permissions: writeUsers,
      handler: (request) => {
        const { tenant, user } = userOf(request);
        const body = objectBody(request);
        for (const name of Object.keys(body)) {
          if (!writableUserProperties.has(name))
            throw new ModelError(
              400,
              'Request_BadRequest',
              `Property '${name}' does not exist as a declared property or extension property.`,
            );
        }
        // Checked before anything changes: a refused password leaves the user as it was.
        const password = 'passwordProfile' in body ? passwordOf(body) : undefined;
        if ('usageLocation' in body)
          tenant.directory.setUsageLocation(user, optionalString(body, 'usageLocation'));
        if ('displayName' in body) user.displayName = requireProperty(body, 'displayName', isString);
        if ('givenName' in body) user.givenName = optionalString(body, 'givenName');
        if ('surname' in body) user.surname = optionalString(body, 'surname');
        if ('jobTitle' in body) user.jobTitle = optionalString(body, 'jobTitle');
        if ('accountEnabled' in body)
          user.accountEnabled = requireProperty(body, 'accountEnabled', isBoolean);
        if (password !== undefined) user.setPassword(password, request.clock.now());
        return noContent;
      },
    }),
    route({
      method: 'POST',
      surfaces: [...graph],
      pattern: '/users/{id}/assignLicense',
      write: true,
      permissions: writeUsers,
      handler: (request) => {
        const { tenant, user } = userOf(request);
        const { add, remove } = licenceChanges(objectBody(request));
        tenant.directory.assignLicenses(user, add, remove);
        return ok({
          '@odata.context': `${request.baseUrl}/$metadata#users/$entity`,
          ...visibleUser(request, userShape(user)),
        });
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/subscribedSkus',
      write: false,
      permissions: [
        Permission.organizationRead,
        Permission.organizationReadWrite,
        Permission.directoryRead,
        Permission.directoryReadWrite,
        Permission.licenseAssignmentRead,
      ],
      handler: (request) => {
        const tenant = tenantOf(world, request);
        return list(
          request,
          tenant.directory.skus.map((sku) => skuShape(tenant, sku)),
          'subscribedSkus',
          { entityType: 'microsoft.graph.subscribedSku' },
        );
      },
    }),
    route({
      method: 'GET',
      surfaces: [...graph],
      pattern: '/subscribedSkus/{id}',
      write: false,
      permissions: [
        Permission.organizationRead,
        Permission.organizationReadWrite,
        Permission.directoryRead,
        Permission.directoryReadWrite,
        Permission.licenseAssignmentRead,
      ],
      handler: (request) => {
        const tenant = tenantOf(world, request);
        const id = (request.params.id ?? '').toLowerCase();
        const sku = tenant.directory.skus.find((candidate) => `${tenant.id}_${candidate.skuId}` === id);
        if (!sku)
          throw new ModelError(
            404,
            'Request_ResourceNotFound',
            `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
          );
        return entity(request, skuShape(tenant, sku), 'subscribedSkus');
      },
    }),
  ];
}
