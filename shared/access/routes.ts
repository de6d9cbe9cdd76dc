import { z } from 'zod';
import { type RouteSpec } from '../operators/routes';
import { accessLimits, credentialAccounts } from './contract';
import { requestStatuses } from './store';

/**
 * The privileged-access rows of the operator API's route table (spread into `operatorRoutes`). Every write needs
 * MFA and the privileged authentication context; the request, checkout and its end are the requester's, approval,
 * denial, break glass and review the approvers'.
 */
const tenantId = z
  .uuid({ message: 'must be a tenant id (a GUID)' })
  .meta({ description: 'The customer tenant id.' });
const requestId = z
  .string()
  .regex(/^[a-f0-9]{32}$/, { message: 'must be a credential request id' })
  .meta({ description: 'The credential request id.' });
const requestParams = z.strictObject({ tenantId, requestId });
const credentialRequest = { kind: 'role', role: 'Credentials.Request', privileged: true } as const;
const credentialApprove = { kind: 'role', role: 'Credentials.Approve', privileged: true } as const;

const justification = (min: number) =>
  z
    .string()
    .trim()
    .min(min, { message: `must be at least ${min} characters` })
    .max(1000)
    .refine((value) => !value.includes('@'), { message: 'must not name people (no mail addresses)' });

const personSchema = z.object({ oid: z.string(), displayName: z.string().optional() });

export const credentialRequestViewSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  account: z.enum(credentialAccounts),
  status: z.enum(requestStatuses),
  residency: z.literal('US'),
  requester: personSchema,
  justification: z.string(),
  ticket: z.string(),
  leaseMinutes: z.int(),
  requestedAt: z.string(),
  escalatedAt: z.string().optional(),
  decision: z
    .object({ outcome: z.string(), by: personSchema, at: z.string(), reason: z.string().optional() })
    .optional(),
  lease: z.object({ startedAt: z.string(), endsAt: z.string() }).optional(),
  ended: z.object({ reason: z.string(), at: z.string(), by: personSchema.optional() }).optional(),
  rotation: z.object({ version: z.string(), at: z.string() }).optional(),
  breakGlass: z.object({ reason: z.string(), reviewId: z.string() }).optional(),
  review: z.object({ status: z.enum(['open', 'closed']), closedBy: personSchema.optional() }).optional(),
  expiredAt: z.string().optional(),
  statusUrl: z.string(),
});

const passwordSchema = z.object({
  requestId: z.string(),
  account: z.string(),
  userPrincipalName: z.string().optional(),
  password: z.string().meta({ description: 'Shown once; the answer carries Cache-Control: no-store.' }),
  leaseEndsAt: z.string(),
});

export const accessRoutes = {
  requestCredential: {
    method: 'POST',
    path: 'tenants/{tenantId}/credential-requests',
    access: credentialRequest,
    tag: 'Privileged access',
    summary: 'Ask for a just-in-time checkout of a service-account credential',
    description:
      `A second eligible operator must approve; unanswered, the request expires after 12 hours. The lease lasts ` +
      `${accessLimits.minLeaseMinutes} minutes to ${accessLimits.maxLeaseMinutes / 60} hours, and your background ` +
      'check must be valid through its end. A repeat with the same Idempotency-Key answers the same request.',
    params: z.strictObject({ tenantId }),
    headers: z.object({
      'idempotency-key': z
        .string({ message: 'is required: a unique key per request, such as a UUID' })
        .regex(/^[A-Za-z0-9._:-]{8,128}$/, { message: 'must be 8 to 128 of A-Z a-z 0-9 . _ : -' }),
    }),
    body: z.strictObject({
      account: z.enum(credentialAccounts).default('msadmin'),
      justification: justification(accessLimits.minJustificationLength),
      ticket: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:#/-]{1,63}$/, {
        message: 'must be a ticket reference such as INC-1234',
      }),
      durationMinutes: z
        .int({ message: 'must be a whole number of minutes' })
        .min(accessLimits.minLeaseMinutes)
        .max(accessLimits.maxLeaseMinutes),
    }),
    audit: 'credential.request',
    success: {
      status: 202,
      description: 'The request, waiting for an approver',
      schema: credentialRequestViewSchema,
    },
  },
  getCredentialRequest: {
    method: 'GET',
    path: 'tenants/{tenantId}/credential-requests/{requestId}',
    access: { kind: 'role', role: 'Credentials.Request' },
    tag: 'Privileged access',
    summary: 'One credential request: its state, decision, lease and rotation (never the password)',
    params: requestParams,
    success: { status: 200, description: 'The request', schema: credentialRequestViewSchema },
  },
  approveCredentialRequest: {
    method: 'POST',
    path: 'tenants/{tenantId}/credential-requests/{requestId}/approve',
    access: credentialApprove,
    tag: 'Privileged access',
    summary: 'Approve another operator’s request (never your own)',
    params: requestParams,
    audit: 'credential.approve',
    success: { status: 200, description: 'The request, approved', schema: credentialRequestViewSchema },
  },
  denyCredentialRequest: {
    method: 'POST',
    path: 'tenants/{tenantId}/credential-requests/{requestId}/deny',
    access: credentialApprove,
    tag: 'Privileged access',
    summary: 'Deny another operator’s request',
    params: requestParams,
    body: z.strictObject({ reason: justification(5) }),
    audit: 'credential.deny',
    success: { status: 200, description: 'The request, denied', schema: credentialRequestViewSchema },
  },
  checkoutCredential: {
    method: 'POST',
    path: 'tenants/{tenantId}/credential-requests/{requestId}/checkout',
    access: credentialRequest,
    tag: 'Privileged access',
    summary: 'Check out the approved credential: the password, once',
    description:
      'One open lease per tenant account: while another is open this answers 409 naming who holds it until when.',
    params: requestParams,
    audit: 'credential.checkout',
    success: { status: 200, description: 'The password and the end of the lease', schema: passwordSchema },
  },
  checkinCredential: {
    method: 'POST',
    path: 'tenants/{tenantId}/credential-requests/{requestId}/checkin',
    access: credentialRequest,
    tag: 'Privileged access',
    summary: 'End your lease; the password is rotated at once',
    params: requestParams,
    audit: 'credential.checkin',
    success: { status: 200, description: 'The request, checked in', schema: credentialRequestViewSchema },
  },
  revokeCredential: {
    method: 'POST',
    path: 'tenants/{tenantId}/credential-requests/{requestId}/revoke',
    access: credentialRequest,
    tag: 'Privileged access',
    summary: 'Revoke an open lease (its requester, or an operator who may approve); rotation follows at once',
    params: requestParams,
    body: z.strictObject({ reason: justification(5) }),
    audit: 'credential.revoke',
    success: { status: 200, description: 'The request, revoked', schema: credentialRequestViewSchema },
  },
  breakGlass: {
    method: 'POST',
    path: 'tenants/{tenantId}/credential-requests/{requestId}/break-glass',
    access: credentialApprove,
    tag: 'Privileged access',
    summary: 'Check out your own request without a second approver, when none answered',
    description:
      'Only on your own request that nobody answered for 30 minutes, at most once in 24 hours and never while a ' +
      `review of yours is open; the lease is at most ${accessLimits.breakGlassMaxLeaseMinutes} minutes. It raises ` +
      'an alert and opens a review item another approver must close.',
    params: requestParams,
    body: z.strictObject({ reason: justification(accessLimits.minJustificationLength) }),
    audit: 'credential.breakGlass',
    success: { status: 200, description: 'The password and the end of the lease', schema: passwordSchema },
  },
  closeCredentialReview: {
    method: 'POST',
    path: 'tenants/{tenantId}/credential-reviews/{requestId}/close',
    access: credentialApprove,
    tag: 'Privileged access',
    summary: 'Close the review of a break-glass checkout (not your own)',
    params: requestParams,
    body: z.strictObject({ note: justification(10) }),
    audit: 'credential.reviewClose',
    success: {
      status: 200,
      description: 'The review, closed',
      schema: z.object({ requestId: z.string(), status: z.literal('closed'), closedBy: personSchema }),
    },
  },
} as const satisfies Record<string, RouteSpec>;
