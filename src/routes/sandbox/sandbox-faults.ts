/**
 * `GET/POST /sandbox/faults`: the sandbox banks' fault switches on the running service, so an operator can
 * rehearse an incident on the demo (docs/operations-cli.md). POST needs an operator token and is audited.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { SandboxFaults } from '../../infra/sftp/sandbox/index.ts';
import { Problem, problems } from '../problem.ts';
import { createRouter } from '../router.ts';
import { BankCodeSchema, security } from '../schemas.ts';

/** What main.ts passes: the sandbox of the running service, or null when it runs none. */
export interface SandboxControl {
  banks(): string[];
  faults(bankCode: string): SandboxFaults;
  setFaults(bankCode: string, faults: SandboxFaults): Promise<void>;
}

const FaultsSchema = z
  .object({
    refuse_connections: z.boolean().optional().openapi({ description: 'the port stops listening' }),
    stall_ms: z
      .number()
      .int()
      .min(1)
      .max(600_000)
      .optional()
      .openapi({ description: 'every SFTP read answered this much later' }),
    drop_after_bytes: z
      .number()
      .int()
      .min(0)
      .optional()
      .openapi({ description: 'a connection is cut after the server received this many bytes' }),
    reject_files: z.boolean().optional().openapi({ description: 'every upload is refused (permission denied)' }),
    result_delay_seconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .optional()
      .openapi({ description: 'reconciliation files come this much later than the configured delay' }),
  })
  .strict()
  .openapi('SandboxFaults', { example: { refuse_connections: true } });

const BankFaultsSchema = z
  .object({ bank_code: BankCodeSchema, faults: FaultsSchema })
  .openapi('SandboxBankFaults', { example: { bank_code: 'mega', faults: { stall_ms: 30_000 } } });

type Faults = z.infer<typeof FaultsSchema>;

function toApi(f: SandboxFaults): Faults {
  return {
    ...(f.refuseConnections ? { refuse_connections: true } : {}),
    ...(f.slowReadsMs !== undefined ? { stall_ms: f.slowReadsMs } : {}),
    ...(f.dropAfterBytes !== undefined ? { drop_after_bytes: f.dropAfterBytes } : {}),
    ...(f.rejectFiles ? { reject_files: true } : {}),
    ...(f.resultDelaySeconds !== undefined ? { result_delay_seconds: f.resultDelaySeconds } : {}),
  };
}

export function fromApi(f: Faults): SandboxFaults {
  return {
    ...(f.refuse_connections ? { refuseConnections: true } : {}),
    ...(f.stall_ms !== undefined ? { slowReadsMs: f.stall_ms } : {}),
    ...(f.drop_after_bytes !== undefined ? { dropAfterBytes: f.drop_after_bytes } : {}),
    ...(f.reject_files ? { rejectFiles: true } : {}),
    ...(f.result_delay_seconds !== undefined ? { resultDelaySeconds: f.result_delay_seconds } : {}),
  };
}

const listFaultsRoute = createRoute({
  method: 'get',
  path: '/sandbox/faults',
  tags: ['sandbox'],
  summary: "The sandbox banks' fault switches",
  security,
  responses: {
    200: {
      description: 'One entry per sandbox bank (empty when the service runs no sandbox)',
      content: { 'application/json': { schema: z.object({ items: z.array(BankFaultsSchema) }) } },
    },
    ...problems(401),
  },
});

const setFaultsRoute = createRoute({
  method: 'post',
  path: '/sandbox/faults',
  tags: ['sandbox'],
  summary: "Replace one sandbox bank's fault switches ({} switches all off)",
  security,
  request: { body: { required: true, content: { 'application/json': { schema: BankFaultsSchema } } } },
  responses: {
    200: { description: 'The switches now', content: { 'application/json': { schema: BankFaultsSchema } } },
    ...problems(400, 401, 403, 404),
  },
});

export function sandboxFaultRoutes(control: SandboxControl | null) {
  return createRouter()
    .openapi(listFaultsRoute, (c) =>
      c.json(
        { items: (control?.banks() ?? []).map((b) => ({ bank_code: b, faults: toApi(control!.faults(b)) })) },
        200,
      ),
    )
    .openapi(setFaultsRoute, async (c) => {
      const { bank_code, faults } = c.req.valid('json');
      c.set('audit', { action: 'sandbox.faults', target: bank_code, details: { faults } });
      if (!control?.banks().includes(bank_code)) {
        throw new Problem('not-found', `${bank_code} is not a sandbox bank of this service`);
      }
      await control.setFaults(bank_code, fromApi(faults));
      return c.json({ bank_code, faults: toApi(control.faults(bank_code)) }, 200);
    });
}
