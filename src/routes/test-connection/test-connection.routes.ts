import { createRoute, z } from '@hono/zod-openapi';
import { problems } from '../problem.ts';
import { BankCodeSchema, security } from '../schemas.ts';

export const TestConnectionSchema = z
  .object({
    bank_code: BankCodeSchema,
    ok: z.boolean(),
    server_banner: z.string().nullable(),
    algorithms: z
      .object({ kex: z.string(), server_host_key: z.string(), cipher: z.string(), mac: z.string() })
      .nullable(),
    host_key_sha256: z.string().nullable(),
    host_key_matches_pin: z.boolean().nullable(),
    sftp_extensions: z.array(z.string()),
    latency_ms: z.number(),
    upload_path_writable: z.boolean(),
    error: z.string().nullable(),
    error_class: z.string().nullable(),
    upload_probe: z
      .array(
        z.object({
          step: z.string(),
          ok: z.boolean(),
          ms: z.number(),
          detail: z.string().nullable(),
          error: z.string().nullable(),
        }),
      )
      .openapi({
        description: 'What an upload does, step by step: list, write, stat (may be refused), rename, remove',
      }),
    server_offer: z
      .record(z.string(), z.string())
      .nullable()
      .openapi({ description: "The server's kex, hostKey, cipher and mac lists, as far as the handshake got" }),
  })
  .openapi('TestConnectionReport', {
    example: {
      bank_code: 'mega',
      ok: true,
      server_banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3',
      algorithms: {
        kex: 'curve25519-sha256',
        server_host_key: 'ssh-ed25519',
        cipher: 'aes128-gcm@openssh.com',
        mac: 'implicit',
      },
      host_key_sha256: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
      host_key_matches_pin: true,
      sftp_extensions: ['posix-rename@openssh.com', 'statvfs@openssh.com', 'fsync@openssh.com'],
      latency_ms: 84,
      upload_path_writable: true,
      error: null,
      error_class: null,
      upload_probe: [
        { step: 'list', ok: true, ms: 41, detail: 'listed 3 entries', error: null },
        { step: 'write', ok: true, ms: 45, detail: 'wrote /incoming/payments/.connection-test-1a2b.part', error: null },
        { step: 'stat', ok: true, ms: 40, detail: '16 bytes', error: null },
        {
          step: 'rename',
          ok: true,
          ms: 42,
          detail: 'renamed to /incoming/payments/.connection-test-1a2b.done',
          error: null,
        },
        {
          step: 'remove',
          ok: true,
          ms: 40,
          detail: 'removed /incoming/payments/.connection-test-1a2b.done',
          error: null,
        },
      ],
      server_offer: null,
    },
  });

export const testConnection = createRoute({
  method: 'post',
  path: '/test-connection',
  tags: ['banks'],
  summary: "Connect to a bank's SFTP server and report what was negotiated",
  description:
    'Connects, reports negotiated algorithms, banner, host key fingerprint and pin match, SFTP extensions, latency, ' +
    'and whether the upload path is writable (a temporary file is written and removed). A failed connection is a ' +
    '200 with `ok: false` and the error.',
  security,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ bank_code: BankCodeSchema })
            .strict()
            .openapi('TestConnectionRequest', { example: { bank_code: 'mega' } }),
        },
      },
    },
  },
  responses: {
    200: { description: 'The report', content: { 'application/json': { schema: TestConnectionSchema } } },
    ...problems(400, 401, 403, 404),
  },
});
