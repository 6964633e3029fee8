/**
 * `banking-sftp keys`: our PGP key pair per bank, stored through the configured secret store.
 *
 *   banking-sftp keys generate --bank <code> [--type ed25519|rsa3072] [--expires-days N] [--rotate] [--config FILE]
 *   banking-sftp keys show [--bank <code>] [--json] [--config FILE]
 *
 * `generate` stores the private key as `pgp.our_private_key_secret` (default `<bank>-pgp-private`) and the
 * public key beside it (`<bank>-pgp-public`), prints the fingerprint and the public key to send to the bank,
 * never the private key. With an existing key it refuses unless `--rotate`: the new key then signs, the old one
 * stays for decrypting and verifying archived files. `show` lists fingerprints, algorithms, expiry and days
 * left of our keys and the bank keys. Every secret access is audit-logged as a JSON line on stderr.
 */
import { parseArgs } from 'node:util';
import type { BankConfig, Config } from '../infra/config/schema.ts';
import {
  createBankCrypto,
  type KeyStatus,
  ourPrivateKeySecret,
  ourPublicKeySecret,
  rotateKeyPair,
} from '../infra/pgp/index.ts';
import { createSecretStore } from '../infra/secrets/index.ts';
import { createLogger } from '../infra/telemetry/logger.ts';
import { configFromArgs, reportConfigError } from './args.ts';
import { auditCliAction } from './state.ts';

const USAGE = `usage:
  banking-sftp keys generate --bank <code> [--type ed25519|rsa3072] [--expires-days N] [--rotate] [--config FILE]
  banking-sftp keys show [--bank <code>] [--json] [--config FILE]
`;

function secretsFor(config: Config) {
  const logger = createLogger({ destination: process.stderr, component: 'cli' });
  return createSecretStore(config.secrets, {
    audit: (entry) => logger.info({ audit: 'secret_access', ...entry }, 'secret access'),
  });
}

function findBank(config: Config, code: string | undefined): BankConfig | undefined {
  return config.banks.find((b) => b.bank_code === code);
}

async function generate(config: Config, values: Record<string, unknown>): Promise<number> {
  const bank = findBank(config, values.bank as string | undefined);
  if (!bank) {
    process.stderr.write(
      `banking-sftp keys generate: --bank must be one of ${config.banks.map((b) => b.bank_code).join(', ')}\n`,
    );
    return 2;
  }
  const type = (values.type as string | undefined) ?? 'ed25519';
  if (type !== 'ed25519' && type !== 'rsa3072') {
    process.stderr.write('banking-sftp keys generate: --type must be ed25519 or rsa3072\n');
    return 2;
  }
  const days = values['expires-days'] === undefined ? undefined : Number(values['expires-days']);
  if (days !== undefined && (!Number.isInteger(days) || days < 1)) {
    process.stderr.write('banking-sftp keys generate: --expires-days must be a positive whole number\n');
    return 2;
  }
  const store = secretsFor(config);
  if (!store.put) {
    process.stderr.write(`banking-sftp keys generate: the ${store.provider} secret store is read-only\n`);
    return 2;
  }
  const privateName = ourPrivateKeySecret(bank);
  const exists = await store.get(privateName).then(
    () => true,
    (e: { code?: string }) => (e.code === 'secret_missing' ? false : Promise.reject(e)),
  );
  if (exists && !values.rotate) {
    process.stderr.write(
      `banking-sftp keys generate: "${privateName}" already holds our key for ${bank.bank_code}; use --rotate to add a new current key (the old one is kept)\n`,
    );
    return 1;
  }
  const company = config.company;
  const pair = await rotateKeyPair(store, {
    privateName,
    publicName: ourPublicKeySecret(bank),
    userId: `${company.company_name} (${company.company_code}) for ${bank.bank_name}`,
    type,
    ...(days ? { expiresInDays: days } : {}),
    ...(bank.pgp.our_passphrase_secret ? { passphraseName: bank.pgp.our_passphrase_secret } : {}),
  });
  const status = (await createBankCrypto({ secrets: store }).keyStatus(bank)).find(
    (s) => s.fingerprint === pair.fingerprint,
  );
  await auditCliAction(config, {
    action: exists ? 'keys.rotate' : 'keys.generate',
    target: bank.bank_code,
    details: { fingerprint: pair.fingerprint, type, secret: privateName },
  });
  process.stdout.write(
    [
      `bank: ${bank.bank_code}`,
      `fingerprint: ${pair.fingerprint}`,
      `algorithm: ${status?.algorithm ?? type}`,
      `expires: ${status?.expiresAt ? status.expiresAt.toISOString() : 'never'}`,
      `stored: ${privateName} (private), ${ourPublicKeySecret(bank)} (public)${exists ? ' — rotated, previous key kept' : ''}`,
      '',
      pair.publicKeyArmored.trimEnd(),
      '',
    ].join('\n'),
  );
  return 0;
}

function row(s: KeyStatus): string {
  const expires = s.missing ? '-' : s.expiresAt ? s.expiresAt.toISOString().slice(0, 10) : 'never';
  const days = s.missing ? '-' : s.daysLeft === null ? '-' : String(s.daysLeft);
  const state = s.missing
    ? 'MISSING'
    : s.revoked
      ? 'REVOKED'
      : s.daysLeft !== null && s.daysLeft < 0
        ? 'EXPIRED'
        : s.owner === 'ours'
          ? s.current
            ? 'current'
            : 'previous'
          : 'ok';
  return [s.bank, s.owner, s.secret, s.fingerprint || '-', s.algorithm || '-', expires, days, state].join('\t');
}

async function show(config: Config, values: Record<string, unknown>): Promise<number> {
  const banks = values.bank ? [findBank(config, values.bank as string)] : config.banks;
  if (banks.some((b) => !b)) {
    process.stderr.write(`banking-sftp keys show: unknown bank "${String(values.bank)}"\n`);
    return 2;
  }
  const crypto = createBankCrypto({ secrets: secretsFor(config) });
  const all: KeyStatus[] = [];
  for (const bank of banks as BankConfig[]) all.push(...(await crypto.keyStatus(bank)));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
  } else {
    process.stdout.write(
      `${['bank', 'owner', 'secret', 'fingerprint', 'algorithm', 'expires', 'days_left', 'state'].join('\t')}\n`,
    );
    for (const s of all) process.stdout.write(`${row(s)}\n`);
  }
  return all.some((s) => s.missing || s.revoked || (s.daysLeft !== null && s.daysLeft < 0)) ? 1 : 0;
}

export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        bank: { type: 'string' },
        type: { type: 'string' },
        'expires-days': { type: 'string' },
        rotate: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
  } catch (error) {
    process.stderr.write(`banking-sftp keys: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const action = parsed.positionals[0];
  if (action !== 'generate' && action !== 'show') {
    process.stderr.write(USAGE);
    return 2;
  }
  let config: Config;
  try {
    config = configFromArgs(parsed.values.config ? ['--config', parsed.values.config as string] : []).config;
  } catch (error) {
    return reportConfigError(error);
  }
  try {
    return action === 'generate' ? await generate(config, parsed.values) : await show(config, parsed.values);
  } catch (error) {
    process.stderr.write(`banking-sftp keys ${action}: ${(error as Error).message}\n`);
    return 1;
  }
}
