import { createRoute, z } from '@hono/zod-openapi';
import { problems } from '../problem.ts';
import { IdParam, Instant, NullableInstant, security } from '../schemas.ts';

const TokenSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    role: z.enum(['viewer', 'operator']),
    created_at: Instant,
    last_used_at: NullableInstant,
    revoked_at: NullableInstant,
  })
  .openapi('ApiToken');

const tags = ['admin'];
const description =
  'Only for the local-admin token the service mints for its own CLI at start (`banking-sftp tokens …` while the ' +
  'service holds the embedded database); any other token gets 403.';

export const listTokensRoute = createRoute({
  method: 'get',
  path: '/admin/tokens',
  tags,
  summary: 'API tokens, without their secrets',
  description,
  security,
  responses: {
    200: {
      description: 'All tokens, oldest first',
      content: { 'application/json': { schema: z.object({ items: z.array(TokenSchema) }) } },
    },
    ...problems(401, 403),
  },
});

export const createTokenRoute = createRoute({
  method: 'post',
  path: '/admin/tokens',
  tags,
  summary: 'Create an API token (shown once; only its SHA-256 is stored)',
  description,
  security,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ role: z.enum(['viewer', 'operator']), name: z.string().min(1).max(100) })
            .strict()
            .openapi('CreateTokenRequest'),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'The new token',
      content: {
        'application/json': {
          schema: z.object({ id: z.number().int(), name: z.string(), role: z.string(), token: z.string() }),
        },
      },
    },
    ...problems(400, 401, 403),
  },
});

export const revokeTokenRoute = createRoute({
  method: 'post',
  path: '/admin/tokens/{id}/revoke',
  tags,
  summary: 'Revoke an API token (stops working within the token cache, 5 s)',
  description,
  security,
  request: { params: z.object({ id: IdParam }) },
  responses: {
    200: {
      description: 'Revoked',
      content: { 'application/json': { schema: z.object({ revoked: z.number().int() }) } },
    },
    ...problems(400, 401, 403, 404),
  },
});

const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    at: Instant,
    actor: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    result: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry');

export const listAuditRoute = createRoute({
  method: 'get',
  path: '/admin/audit',
  tags,
  summary: 'The audit log, newest first',
  description,
  security,
  request: {
    query: z.object({
      since: Instant.optional().openapi({ param: { name: 'since', in: 'query' } }),
      actor: z
        .string()
        .max(200)
        .optional()
        .openapi({ param: { name: 'actor', in: 'query' } }),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(1000)
        .openapi({ param: { name: 'limit', in: 'query' } }),
    }),
  },
  responses: {
    200: {
      description: 'Entries',
      content: { 'application/json': { schema: z.object({ items: z.array(AuditEntrySchema) }) } },
    },
    ...problems(400, 401, 403),
  },
});

export const recordActionRoute = createRoute({
  method: 'post',
  path: '/admin/actions',
  tags,
  summary: 'Record an action the CLI did itself (e.g. keys generate) in the audit log',
  description,
  security,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              action: z.string().min(1).max(100),
              target: z.string().max(200).nullable(),
              details: z.record(z.string(), z.unknown()).default({}),
            })
            .strict()
            .openapi('CliActionRequest'),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Recorded',
      content: { 'application/json': { schema: z.object({ recorded: z.literal(true) }) } },
    },
    ...problems(400, 401, 403),
  },
});
