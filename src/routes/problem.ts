/**
 * RFC 9457 problem details. Every error the API returns is `application/problem+json` with a stable `type`
 * URN per kind of error, so clients branch on `type`, not on the human `detail`.
 *
 * @example throw new Problem('not-found', 'batch 12 does not exist');
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const PROBLEM_TYPES = {
  validation: { status: 400, title: 'Request is not valid' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Role does not allow this' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed on this resource' },
  'payload-too-large': { status: 413, title: 'Request body too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  conflict: { status: 409, title: 'Conflicts with the current state' },
  'payment-run-in-progress': { status: 409, title: 'A payment run is already in progress' },
  'action-refused': { status: 422, title: 'The system refused the action' },
  'rate-limited': { status: 429, title: 'Too many failed authentication attempts' },
  csrf: { status: 403, title: 'Form token missing or wrong' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'The system behind the API is not available' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ProblemKind = keyof typeof PROBLEM_TYPES;

export const problemType = (kind: ProblemKind) => `urn:banking-sftp:problem:${kind}`;

const FieldErrorSchema = z
  .object({ field: z.string(), in: z.string(), message: z.string() })
  .openapi('FieldError', { example: { field: 'days', in: 'query', message: 'Too big: expected number to be <=90' } });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(FieldErrorSchema).optional(),
    run_id: z.string().optional(),
    retry_after_seconds: z.number().int().optional(),
  })
  .openapi('Problem', {
    example: {
      type: problemType('not-found'),
      title: 'Not found',
      status: 404,
      detail: 'batch 12 does not exist',
      instance: '/api/v1/banking-monitor/batches/12',
    },
  });

export type ProblemBody = z.infer<typeof ProblemSchema>;

export class Problem extends Error {
  override readonly name = 'Problem';
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extra: Partial<Pick<ProblemBody, 'errors' | 'run_id' | 'retry_after_seconds'>> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  get status(): ContentfulStatusCode {
    return PROBLEM_TYPES[this.kind].status;
  }

  body(instance: string): ProblemBody {
    return {
      type: problemType(this.kind),
      title: PROBLEM_TYPES[this.kind].title,
      status: this.status,
      detail: this.detail,
      instance,
      ...this.extra,
    };
  }
}

export function problemResponse(c: Context, problem: Problem): Response {
  return c.body(JSON.stringify(problem.body(c.req.path)), problem.status, {
    'content-type': 'application/problem+json',
    ...problem.headers,
  });
}

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

const descriptions: Record<number, string> = {
  400: 'Validation failed; `errors` lists the fields',
  401: 'Missing or invalid bearer token',
  403: 'The token role does not allow this operation',
  404: 'Not found',
  409: 'Conflicts with the current state',
  422: 'The system refused the action',
  429: 'Too many failed authentication attempts from this address',
};

/** Declared once, spread into every route: `responses: { 200: …, ...problems(400, 401, 403, 404) }`. */
export function problems<S extends 400 | 401 | 403 | 404 | 409 | 422 | 429>(...statuses: S[]) {
  const all = [...new Set([...statuses, 429 as const])];
  return Object.fromEntries(all.map((s) => [s, { description: descriptions[s]!, content: problemContent }])) as Record<
    S | 429,
    { description: string; content: typeof problemContent }
  >;
}
