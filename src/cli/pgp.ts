/**
 * `banking-sftp pgp protect|open --bank CODE --input F --output F [--name NAME]`: what an upload and a poll do
 * to a file, by hand (a bank's support call). `protect` writes exactly the bytes an upload sends (the same
 * `protect` of the bank crypto, the same profile); `open` decrypts and verifies a file from that bank and
 * prints {"signer","sha256","bytes"}, or {"error":{"code","message"}} on stderr with exit 2 and no output file.
 * NAME (default: the input's file name) is the file name the bank sees. The action is audited.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Config } from '../infra/config/schema.ts';
import { createBankCrypto, isPgpError } from '../infra/pgp/index.ts';
import { createSecretStore } from '../infra/secrets/index.ts';
import { createLogger } from '../infra/telemetry/logger.ts';
import { bankOf, loadCommandConfig, parseCommand, requireOption } from './args.ts';
import { auditCliAction } from './state.ts';
import { CommandFailed, UsageError } from './usage-error.ts';

function cryptoFor(config: Config) {
  const logger = createLogger({ destination: process.stderr, component: 'cli' });
  const secrets = createSecretStore(config.secrets, {
    audit: (entry) => logger.info({ audit: 'secret_access', ...entry }, 'secret access'),
  });
  return createBankCrypto({ secrets, logger });
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    bank: { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string' },
    name: { type: 'string' },
  });
  const [action, ...extra] = positionals;
  if (action !== 'protect' && action !== 'open') {
    throw new UsageError(action ? `unknown sub-command ${action}` : 'expected protect or open');
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  const input = requireOption(values.input, '--input');
  const output = requireOption(values.output, '--output');
  const config = loadCommandConfig(values.config);
  const bank = bankOf(config, values.bank);
  const name = values.name ?? basename(input);
  const crypto = cryptoFor(config);

  if (action === 'protect') {
    let plaintext: Uint8Array;
    try {
      plaintext = readFileSync(input);
    } catch (error) {
      throw new CommandFailed(`cannot read ${input}: ${(error as Error).message}`);
    }
    const wire = await crypto.protect(bank, name, plaintext);
    writeFileSync(output, wire);
    await auditCliAction(config, {
      action: 'pgp.protect',
      target: bank.bank_code,
      details: { file: name, bytes_in: plaintext.length, bytes_out: wire.length },
    });
    process.stdout.write(`${JSON.stringify({ bytes: wire.length, file: name })}\n`);
    return 0;
  }

  try {
    // the plaintext is released only after the MDC and every signature passed, so a refused file writes nothing
    const opened = await crypto.openStream(bank, name, readFileSync(input));
    const parts: Uint8Array[] = [];
    for await (const part of opened.data) parts.push(part);
    const verified = await opened.result;
    const plaintext = Buffer.concat(parts);
    const sha256 = createHash('sha256').update(plaintext).digest('hex');
    writeFileSync(output, plaintext);
    await auditCliAction(config, {
      action: 'pgp.open',
      target: bank.bank_code,
      details: { file: name, sha256, signer: verified.signerFingerprint ?? null },
    });
    process.stdout.write(
      `${JSON.stringify({ signer: verified.signerFingerprint ?? null, sha256, bytes: plaintext.length })}\n`,
    );
    return 0;
  } catch (error) {
    const code = isPgpError(error)
      ? error.code
      : (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'input_missing'
        : 'pgp_failed';
    process.stderr.write(`${JSON.stringify({ error: { code, message: (error as Error).message } })}\n`);
    await auditCliAction(config, {
      action: 'pgp.open',
      target: bank.bank_code,
      details: { file: name, error: code },
    }).catch(() => {});
    return 2;
  }
}
