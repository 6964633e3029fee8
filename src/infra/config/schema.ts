/**
 * The one typed configuration of the service. Loaded from `config/banking.json` (or `--config`), overridden by
 * environment variables (see `load.ts`), validated here. Secrets are never values in this file: every `*_secret`
 * field is the *name* of a secret resolved through the secret store at the moment it is used.
 *
 * @example
 *   const config = parseConfig(JSON.parse(text)); // throws ConfigError naming bank and field
 */
import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24h, Asia/Taipei)');
const secretName = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'expected a secret name (letters, digits, _ . -)');
const sha256Fingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'expected an OpenSSH fingerprint "SHA256:…"');

export const FILE_FORMATS = ['fixed_width', 'tch_ach', 'csv'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

const authSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('password'), password_secret: secretName }).strict(),
  z
    .object({ method: z.literal('key'), private_key_secret: secretName, passphrase_secret: secretName.optional() })
    .strict(),
]);

/** Extra SSH algorithms allowed for one bank only (an old bank server); appended to ssh2's defaults. */
const algorithmsSchema = z
  .object({
    kex: z.array(z.string().min(1)).optional(),
    serverHostKey: z.array(z.string().min(1)).optional(),
    cipher: z.array(z.string().min(1)).optional(),
    hmac: z.array(z.string().min(1)).optional(),
  })
  .strict();

const pgpSchema = z
  .object({
    engine: z.enum(['openpgp', 'gpg']).default('openpgp'),
    encrypt: z.boolean().default(true),
    sign: z.boolean().default(true),
    armor: z.boolean().default(false),
    /** One or several (rotation overlap: files are encrypted to all of them). */
    bank_public_key_secret: z.union([secretName, z.array(secretName).min(1)]),
    /** Fingerprints (hex) whose signatures are accepted on files from the bank; empty = the bank keys' own. */
    accepted_signer_fingerprints: z.array(z.string().regex(/^[0-9A-Fa-f]{40,64}$/)).default([]),
    /** Our private key for this bank; defaults to `<bank_code>-pgp-private`. */
    our_private_key_secret: secretName.optional(),
    our_passphrase_secret: secretName.optional(),
    /** Accept 3DES and CAST5 session keys from this bank (legacy systems; a warning is logged per file). */
    allow_legacy_ciphers: z.boolean().default(false),
    /** How far in the future a bank signature may be dated (the bank host's clock running fast). */
    clock_skew_seconds: z.number().int().min(0).max(86_400).default(600),
  })
  .strict();

export const bankSchema = z
  .object({
    bank_code: z.string().regex(/^[a-z][a-z0-9_]{1,31}$/, 'expected a lower-case internal key'),
    bank_name: z.string().min(1),
    fisc_code: z.string().regex(/^\d{3}$/, 'expected the 3-digit bank code (總機構代號)'),
    sftp_host: z.string().min(1),
    sftp_port: z.number().int().min(1).max(65535),
    sftp_username: z.string().min(1),
    auth: authSchema,
    host_key_sha256: z.union([sha256Fingerprint, z.array(sha256Fingerprint)]).optional(),
    insecure_accept_any_host_key: z.boolean().default(false),
    algorithms: algorithmsSchema.optional(),
    /** false: writes one at a time whatever max_outstanding_requests says (kept for existing configs). */
    parallel_writes: z.boolean().default(true),
    /** SFTP READ / WRITE requests in flight per transfer; 1 for a server that mishandles out-of-order writes. */
    max_outstanding_requests: z.number().int().min(1).max(64).default(16),
    upload_path: z.string().startsWith('/', 'expected an absolute remote path'),
    download_path: z.string().startsWith('/', 'expected an absolute remote path'),
    file_format: z.enum(FILE_FORMATS),
    encoding: z.enum(['Big5', 'UTF-8']),
    payment_file_pattern: z
      .string()
      .min(1)
      .refine((p) => p.includes('{BATCH}'), 'must contain {BATCH} so two batches of a day never share a name')
      .refine((p) => !p.includes('*'), 'must not contain * (download patterns only)'),
    reconciliation_file_pattern: z.string().min(1),
    cutoff_time: hhmm,
    /**
     * Business days after the value date by which the bank's result file is due (`expected_result_by`); a
     * transaction still unanswered after that day is a `no_result` exception.
     */
    result_window_days: z.number().int().min(0).max(30).default(1),
    pgp: pgpSchema,
    /** The account our side pays from / collects into at this bank (tch_ach PBANK/PCLNO, house header). */
    originator_account: z
      .object({
        bank_unit: z.string().regex(/^\d{7}$/, 'expected 7 digits: bank + branch'),
        account_number: z.string().regex(/^\d{1,16}$/, 'expected 1-16 digits'),
      })
      .strict(),
    /** tch_ach transaction codes (TXID) used when an invoice does not carry its own. */
    txid: z
      .object({ credit: z.string().regex(/^\d{3}$/), debit: z.string().regex(/^\d{3}$/) })
      .strict()
      .default({ credit: '405', debit: '904' }),
    /** This bank is served by the built-in sandbox SFTP server (its host key is pinned from the sandbox). */
    sandbox: z.boolean().default(false),
    active: z.boolean().default(true),
  })
  .strict()
  .superRefine((bank, ctx) => {
    if (!bank.host_key_sha256 && !bank.insecure_accept_any_host_key && !bank.sandbox) {
      ctx.addIssue({
        code: 'custom',
        path: ['host_key_sha256'],
        message: 'required: pin the host key, or set insecure_accept_any_host_key: true (sandbox only)',
      });
    }
    if (bank.file_format !== 'csv' && bank.encoding !== 'Big5') {
      ctx.addIssue({ code: 'custom', path: ['encoding'], message: `${bank.file_format} files are Big5` });
    }
  });

export type BankConfig = z.infer<typeof bankSchema>;

const scheduleSchema = z
  .object({
    payments_time: hhmm.default('06:00'),
    reconciliation_from: hhmm.default('08:00'),
    reconciliation_to: hhmm.default('18:00'),
    reconciliation_every_minutes: z.number().int().min(1).max(240).default(30),
    retry_cron: z.string().default('0 * * * *'),
    health_every_minutes: z.number().int().min(1).max(60).default(5),
    report_time: hhmm.default('19:00'),
  })
  .strict();

export const configSchema = z
  .object({
    service: z
      .object({
        port: z.number().int().min(0).max(65535).default(8000),
        host: z.string().default('127.0.0.1'),
        instance_id: z.string().optional(),
        /**
         * Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For / X-Forwarded-Proto are believed:
         * the client address for the failed-auth limit and audit log, TLS for Secure cookies and HSTS.
         */
        trusted_proxies: z.array(z.string()).default([]),
        /** Largest request body accepted; bigger ones get 413 without being read. */
        body_limit_bytes: z
          .number()
          .int()
          .min(1024)
          .max(100 * 1024 * 1024)
          .default(1024 * 1024),
        metrics: z
          .object({
            /** `/metrics` needs a monitor token (viewer is enough); Prometheus sends it as a bearer token. */
            require_token: z.boolean().default(false),
            /** Serve `/metrics` on its own port (and not on the API port), e.g. reachable only from Prometheus. */
            port: z.number().int().min(0).max(65535).optional(),
            host: z.string().optional(),
          })
          .strict()
          .default({ require_token: false }),
      })
      .strict()
      .default({
        port: 8000,
        host: '127.0.0.1',
        trusted_proxies: [],
        body_limit_bytes: 1024 * 1024,
        metrics: { require_token: false },
      }),
    /** Monitor API and page sign-in: the failed-token limit per client, page session length. */
    auth: z
      .object({
        max_failures: z.number().int().min(1).default(10),
        window_seconds: z.number().int().min(1).default(600),
        block_seconds: z.number().int().min(1).default(900),
        session_hours: z.number().min(0.1).max(168).default(8),
      })
      .strict()
      .default({ max_failures: 10, window_seconds: 600, block_seconds: 900, session_hours: 8 }),
    database: z
      .object({
        /** postgres://… selects PostgreSQL; absent selects embedded PGlite in `pglite_dir`. */
        url: z.string().url().optional(),
        /** Default: `<data_dir>/pglite`. */
        pglite_dir: z.string().optional(),
        pool_max: z.number().int().min(1).max(100).default(10),
      })
      .strict()
      .default({ pool_max: 10 }),
    data_dir: z.string().default('./data'),
    company: z
      .object({
        company_code: z.string().min(1).max(10),
        company_name: z.string().min(1),
        id_number: z.string().min(8).max(10),
      })
      .strict(),
    banks: z.array(z.unknown()).min(1),
    schedule: scheduleSchema.default(scheduleSchema.parse({})),
    holidays_dir: z.string().default('./config/holidays'),
    breaker: z
      .object({
        failure_threshold: z.number().int().min(1).default(3),
        open_seconds: z.number().int().min(1).default(300),
      })
      .strict()
      .default({ failure_threshold: 3, open_seconds: 300 }),
    retry: z
      .object({
        max_attempts: z.number().int().min(1).default(5),
        max_backoff_seconds: z.number().int().min(1).default(300),
      })
      .strict()
      .default({ max_attempts: 5, max_backoff_seconds: 300 }),
    sftp: z
      .object({
        pool_max: z.number().int().min(1).max(50).default(5),
        connect_timeout_ms: z.number().int().min(100).default(30_000),
        keepalive_ms: z.number().int().min(100).default(30_000),
        idle_check_ms: z.number().int().min(100).default(60_000),
        operation_timeout_ms: z.number().int().min(100).default(120_000),
        stability_interval_ms: z.number().int().min(0).default(5_000),
        max_listing_entries: z.number().int().min(1).default(10_000),
        max_listing_bytes: z.number().int().min(1024).default(8_388_608),
      })
      .strict()
      .default({
        pool_max: 5,
        connect_timeout_ms: 30_000,
        keepalive_ms: 30_000,
        idle_check_ms: 60_000,
        operation_timeout_ms: 120_000,
        stability_interval_ms: 5_000,
        max_listing_entries: 10_000,
        max_listing_bytes: 8_388_608,
      }),
    max_concurrent_banks: z.number().int().min(1).max(20).default(3),
    secrets: z
      .object({
        provider: z.enum(['env', 'file', 'gcp']).default('file'),
        /** file provider: default `<data_dir>/secrets`. */
        dir: z.string().optional(),
        gcp_project: z.string().optional(),
        cache_ttl_seconds: z.number().int().min(0).default(300),
      })
      .strict()
      .default({ provider: 'file', cache_ttl_seconds: 300 }),
    mail: z
      .object({
        from: z.string().default('banking-sftp@localhost'),
        to: z.array(z.string()).default([]),
        smtp: z
          .object({
            host: z.string(),
            port: z.number().int(),
            secure: z.boolean().default(false),
            user: z.string().optional(),
            password_secret: secretName.optional(),
          })
          .strict()
          .optional(),
        webhook_url: z.string().url().optional(),
        /** A failed email or webhook is retried with backoff (1, 2, 4 … minutes, at most 1 h) this many times. */
        retry_max_attempts: z.number().int().min(1).max(50).default(10),
        /** Notify when a PGP key is this many days from expiry (again at 14, 7, 1 and 0 days). */
        key_expiry_warn_days: z.number().int().min(1).max(365).default(30),
      })
      .strict()
      .default({ from: 'banking-sftp@localhost', to: [], retry_max_attempts: 10, key_expiry_warn_days: 30 }),
    archive: z
      .object({
        /** Default: `<data_dir>/archive`. */
        path: z.string().optional(),
        retention_days: z.number().int().min(1).default(2555),
      })
      .strict()
      .default({ retention_days: 2555 }),
    sandbox: z
      .object({
        enabled: z.boolean().default(false),
        /** Default: `<data_dir>/sandbox`. */
        dir: z.string().optional(),
        reconciliation_delay_seconds: z.number().min(0).default(120),
        return_share: z.number().min(0).max(1).default(0.05),
        /**
         * When set, the sandbox banks listen on port_base, port_base+1, … in config order (their sftp_port is
         * replaced), so two checkouts run side by side with different bases (env SANDBOX_PORT_BASE).
         */
        port_base: z.number().int().min(1).max(65_000).optional(),
      })
      .strict()
      .default({ enabled: false, reconciliation_delay_seconds: 120, return_share: 0.05 }),
    demo_data: z.boolean().default(false),
  })
  .strict();

type Parsed = z.infer<typeof configSchema>;

/** The validated config, with every path resolved (paths left out of the file live under `data_dir`). */
export type Config = Omit<Parsed, 'banks' | 'database' | 'secrets' | 'archive' | 'sandbox'> & {
  banks: BankConfig[];
  database: Parsed['database'] & { pglite_dir: string };
  secrets: Parsed['secrets'] & { dir: string };
  archive: Parsed['archive'] & { path: string };
  sandbox: Parsed['sandbox'] & { dir: string };
};
