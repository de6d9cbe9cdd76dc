import { z } from 'zod';

/**
 * Inputs and answer shapes that routes of several capabilities share. Kept apart from the route table so that a
 * capability's own rows (declared in its folder and spread into `operatorRoutes`) can use them without importing the
 * table itself.
 */
export const tenantId = z
  .uuid({ message: 'must be a tenant id (a GUID)' })
  .meta({ description: 'The customer tenant id.' });
export const tenantParams = z.strictObject({ tenantId });

const maxPageSize = 500;
export const paging = {
  pageSize: z.coerce
    .number({ message: `must be a whole number from 1 to ${maxPageSize}` })
    .int({ message: `must be a whole number from 1 to ${maxPageSize}` })
    .min(1)
    .max(maxPageSize)
    .default(100)
    .meta({ description: `Items per page, at most ${maxPageSize}.` }),
  continuationToken: z
    .string()
    .min(1)
    .max(8192)
    .regex(/^[A-Za-z0-9_-]+$/, { message: 'must be a continuation token from a previous page' })
    .optional()
    .meta({ description: 'The `continuationToken` of the previous page; absent for the first page.' }),
};

export const pageOf = <T extends z.ZodType>(items: T) =>
  z.object({ items: z.array(items), continuationToken: z.string().optional() });
