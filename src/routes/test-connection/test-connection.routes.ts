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
