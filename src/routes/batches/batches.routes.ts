import { createRoute, z } from '@hono/zod-openapi';
import { problems } from '../problem.ts';
import { BankCodeSchema, freeText, Instant, IsoDay, MaskedAccount, NullableInstant, security } from '../schemas.ts';

const BatchRef = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a batch id (digits) or batch number')
  .openapi({ param: { name: 'batch_id', in: 'path' }, example: '17' });

const Note = z.record(z.string(), z.unknown());

const BatchStateSchema = z.enum([
  'generated',
  'encrypted',
  'uploading',
  'uploaded',
  'confirmed',
  'failed',
  'cutoff_missed',
  'value_date_closed',
  'cancelled',
]);

export const BatchSummarySchema = z
  .object({
    id: z.number().int(),
    batch_number: z.string(),
    bank_code: BankCodeSchema,
    value_date: IsoDay,
    state: BatchStateSchema,
    transaction_count: z.number().int(),
    total_cents: z.number().int(),
    updated_at: Instant,
  })
  .openapi('BatchSummary');

const TransactionSchema = z
  .object({
    transaction_id: z.string(),
    seq: z.number().int(),
    direction: z.enum(['credit', 'debit']),
    amount_cents: z.number().int(),
    account: MaskedAccount,
    status: z.enum(['pending', 'sent', 'settled', 'returned', 'failed', 'cancelled']),
    return_code: z.string().nullable(),
    return_reason: z.string().nullable(),
    bank_reference: z.string().nullable(),
    expected_result_by: IsoDay.nullable(),
    warnings: z.array(Note),
    history: z.array(
      z.object({
        from_status: z.string().nullable(),
        to_status: z.string(),
        reason: z.string().nullable(),
        at: Instant,
      }),
    ),
  })
  .openapi('BatchTransaction');

export const BatchDetailSchema = z
  .object({
    id: z.number().int(),
    batch_number: z.string(),
    bank_code: BankCodeSchema,
    value_date: IsoDay,
    batch_seq: z.number().int(),
    run_id: z.string().nullable(),
    state: BatchStateSchema,
    transaction_count: z.number().int(),
    total_cents: z.number().int(),
    last_error: z.string().nullable(),
    created_at: Instant,
    updated_at: Instant,
    uploaded_at: NullableInstant,
    confirmed_at: NullableInstant,
    file: z.object({
      format: z.string(),
      name: z.string(),
      plaintext_sha256: z.string().nullable(),
      ciphertext_sha256: z.string().nullable(),
      byte_size: z.number().int().nullable(),
      states: z.array(
        z.object({
          from_state: z.string().nullable(),
          to_state: z.string(),
          reason: z.string().nullable(),
          actor: z.string().nullable(),
          at: Instant,
        }),
      ),
      transfers: z.array(
        z.object({
          id: z.number().int(),
          direction: z.enum(['upload', 'download']),
          remote_path: z.string(),
          bytes: z.number().int(),
          sha256: z.string().nullable(),
          status: z.enum(['success', 'failure', 'already_done']),
          attempt: z.number().int(),
          error: z.string().nullable(),
          started_at: Instant,
        }),
      ),
    }),
    warnings: z.array(Note),
    validation_errors: z.array(Note),
    transactions: z.array(TransactionSchema),
  })
  .openapi('BatchDetail', {
    example: {
      id: 17,
      batch_number: 'MEGA202611260001',
      bank_code: 'mega',
      value_date: '2026-11-26',
      batch_seq: 1,
      run_id: 'run-20261126-0600',
      state: 'uploaded',
      transaction_count: 1,
      total_cents: 150000,
      last_error: null,
      created_at: '2026-11-26T06:00:02.000+08:00',
      updated_at: '2026-11-26T06:00:41.000+08:00',
      uploaded_at: '2026-11-26T06:00:41.000+08:00',
      confirmed_at: null,
      file: {
        format: 'fixed_width',
        name: 'PAY_20261126_0001.txt',
        plaintext_sha256: '5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592',
        ciphertext_sha256: '7c211433f02071597741e6ff5a8ea34789abad7c211433f02071597741e6ff5a',
        byte_size: 4096,
        states: [
          {
            from_state: null,
            to_state: 'generated',
            reason: null,
            actor: 'clock',
            at: '2026-11-26T06:00:02.000+08:00',
          },
          {
            from_state: 'encrypted',
            to_state: 'uploaded',
            reason: null,
            actor: 'mega',
            at: '2026-11-26T06:00:41.000+08:00',
          },
        ],
        transfers: [
          {
            id: 812,
            direction: 'upload',
            remote_path: '/incoming/payments/PAY_20261126_0001.txt',
            bytes: 4096,
            sha256: '7c211433f02071597741e6ff5a8ea34789abad7c211433f02071597741e6ff5a',
            status: 'success',
            attempt: 1,
            error: null,
            started_at: '2026-11-26T06:00:40.000+08:00',
          },
        ],
      },
      warnings: [],
      validation_errors: [],
      transactions: [
        {
          transaction_id: 'TX20261126000001',
          seq: 1,
          direction: 'debit',
          amount_cents: 150000,
          account: '****9012',
          status: 'sent',
          return_code: null,
          return_reason: null,
          bank_reference: null,
          expected_result_by: '2026-11-27',
          warnings: [{ field: 'account_holder', message: 'truncated' }],
          history: [
            { from_status: 'pending', to_status: 'sent', reason: 'uploaded', at: '2026-11-26T06:00:41.000+08:00' },
          ],
        },
      ],
    },
  });

export const getBatch = createRoute({
  method: 'get',
  path: '/batches/{batch_id}',
  tags: ['batches'],
  summary: 'One batch: file states with SHA-256s, transactions (accounts masked), histories, warnings, errors',
  security,
  request: { params: z.object({ batch_id: BatchRef }) },
  responses: {
    200: { description: 'The batch', content: { 'application/json': { schema: BatchDetailSchema } } },
    ...problems(400, 401, 403, 404),
  },
});

const RunAcceptedSchema = z
  .object({ run_id: z.string(), status: z.literal('running') })
  .openapi('PaymentRunAccepted', { example: { run_id: 'run-20261126-0912-a1b2', status: 'running' } });

export const generateBatches = createRoute({
  method: 'post',
  path: '/batches/generate',
  tags: ['batches'],
  summary: 'Trigger a payment run now',
  description: 'Starts the payment run (all active banks unless `bank_codes`); 409 while another run is in progress.',
  security,
  request: {
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z
            .object({
              bank_codes: z.array(z.string()).min(1).max(20).optional(),
              value_date: IsoDay.optional(),
            })
            .strict()
            .openapi('GenerateBatchesRequest', { example: { bank_codes: ['mega', 'ctbc'], value_date: '2026-11-26' } }),
        },
      },
    },
  },
  responses: {
    202: {
      description: 'The run started; follow `Location` (GET /runs/{run_id}) for its progress',
      headers: { Location: { description: 'URL of the run', schema: { type: 'string' } } },
      content: { 'application/json': { schema: RunAcceptedSchema } },
    },
    ...problems(400, 401, 403, 409, 422),
  },
});

export const redateBatch = createRoute({
  method: 'post',
  path: '/batches/{batch_id}/redate',
  tags: ['batches'],
  summary: 'Move a cutoff_missed or value_date_closed batch to another value date (a business day)',
  security,
  request: {
    params: z.object({ batch_id: BatchRef }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ value_date: IsoDay, note: freeText(z.string().max(500)).optional() })
            .strict()
            .openapi('RedateRequest', { example: { value_date: '2026-11-27', note: 'bank confirmed next-day run' } }),
        },
      },
    },
  },
  responses: {
    200: { description: 'The batch after re-dating', content: { 'application/json': { schema: BatchSummarySchema } } },
    ...problems(400, 401, 403, 404, 409, 422),
  },
});

export const cancelBatch = createRoute({
  method: 'post',
  path: '/batches/{batch_id}/cancel',
  tags: ['batches'],
  summary: 'Cancel a cutoff_missed or value_date_closed batch (its invoices return to pending)',
  security,
  request: {
    params: z.object({ batch_id: BatchRef }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ reason: freeText(z.string().trim().min(3).max(500)) })
            .strict()
            .openapi('CancelBatchRequest', { example: { reason: 'paid by hand at the branch' } }),
        },
      },
    },
  },
  responses: {
    200: { description: 'The batch after cancelling', content: { 'application/json': { schema: BatchSummarySchema } } },
    ...problems(400, 401, 403, 404, 409, 422),
  },
});
