/**
 * No secret value appears in logs or error messages: every log line written while keys are used (success and
 * failure paths, both engines), every audit entry and every error message and detail is scanned for the
 * passphrases, private key material and passwords in play.
 */
import { Writable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { createBankCrypto } from '../src/infra/pgp/index.ts';
import { createSecretStore, type SecretAuditEntry } from '../src/infra/secrets/index.ts';
import { createLogger } from '../src/infra/telemetry/logger.ts';
import { fixtureKeys, pairBanks, pairSecrets, tempStore } from './fixtures/pgp/fixtures.ts';

const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups) c();
});

it('keeps passphrases, private keys and passwords out of logs, audit entries and errors', async () => {
  const sftpPassword = 'Sftp-Pa55word-Never-Logged';
  const { dir, dispose } = await tempStore({
    ...pairSecrets('ours_ed25519', 'bank_ed25519'),
    'sandbox-b-sftp-password': sftpPassword,
    'wrong-passphrase': 'Wrong-Passphrase-Never-Logged',
  });
  cleanups.push(dispose);
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ destination, level: 'debug' });
  const audit: SecretAuditEntry[] = [];
  const secrets = createSecretStore(
    { provider: 'file', dir, cache_ttl_seconds: 60 },
    {
      audit: (e) => {
        audit.push(e);
        logger.info({ audit: e }, 'secret access');
      },
    },
  );
  const crypto = createBankCrypto({ secrets, logger });
  const errors: unknown[] = [];
  const attempt = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (error) {
      errors.push(error);
      logger.error({ err: error }, 'operation failed');
    }
  };

  await secrets.get('sandbox-b-sftp-password');
  for (const engine of ['openpgp', 'gpg'] as const) {
    const { us, sim } = pairBanks(engine, 'ours_ed25519', 'bank_ed25519');
    const wire = await crypto.protect(us, 'PAY.txt', new TextEncoder().encode('payload'));
    await crypto.open(sim, 'PAY.txt', wire);
    const tampered = wire.slice();
    tampered[tampered.length - 5]! ^= 1;
    await attempt(crypto.open(sim, 'PAY.txt', tampered));
    await attempt(
      crypto.protect({ ...us, pgp: { ...us.pgp, our_passphrase_secret: 'wrong-passphrase' } }, 'PAY.txt', wire),
    );
    await attempt(crypto.protect({ ...us, pgp: { ...us.pgp, our_passphrase_secret: undefined } }, 'PAY.txt', wire));
    await attempt(crypto.open(us, 'PAY.txt', wire));
  }
  expect(errors.length).toBe(8);
  expect(lines.length).toBeGreaterThan(10);

  const secretsInPlay = [
    sftpPassword,
    'Wrong-Passphrase-Never-Logged',
    fixtureKeys.ours_ed25519.passphrase!,
    // Distinctive lines of the private key bodies.
    ...[fixtureKeys.ours_ed25519, fixtureKeys.bank_ed25519].flatMap((k) =>
      k.privateKeyArmored
        .split('\n')
        .filter((l) => l.length > 40)
        .slice(1, 6),
    ),
    'PRIVATE KEY BLOCK',
  ];
  const haystack = [
    ...lines,
    JSON.stringify(audit),
    ...errors.map((e) => {
      const err = e as Error & { details?: unknown; cause?: unknown };
      return `${err.message}\n${err.stack}\n${JSON.stringify(err.details)}\n${String(err.cause)}`;
    }),
  ].join('\n');
  for (const secret of secretsInPlay) expect(haystack).not.toContain(secret);
  // The errors still say what went wrong, and for which key.
  expect(haystack).toContain(fixtureKeys.ours_ed25519.fingerprint);
});
