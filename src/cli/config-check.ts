/**
 * `banking-sftp config check [--config FILE]`: loads and validates the configuration exactly as the service
 * does and prints a one-line JSON summary; a bad one exits 2 with the file, bank and field of each problem.
 * Opens no database, secret store or port.
 */
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../infra/config/load.ts';
import { parseCommand } from './args.ts';
import { UsageError } from './usage-error.ts';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  if (positionals[0] !== 'check' || positionals.length > 1) {
    throw new UsageError(positionals[0] ? `unknown sub-command ${positionals.join(' ')}` : 'expected check');
  }
  const path = values.config ?? process.env.BANKING_CONFIG ?? DEFAULT_CONFIG_PATH;
  try {
    const config = loadConfig(path);
    const ports = new Map<number, string>();
    const clashes: string[] = [];
    for (const bank of config.banks.filter((b) => b.sandbox)) {
      const other = ports.get(bank.sftp_port);
      if (other) clashes.push(`bank ${bank.bank_code}: field sftp_port: ${bank.sftp_port} is also bank ${other}'s`);
      ports.set(bank.sftp_port, bank.bank_code);
    }
    if (clashes.length > 0)
      throw new ConfigError(`${path}: invalid bank configuration\n  ${clashes.join('\n  ')}`, clashes);
    process.stdout.write(
      `${JSON.stringify({
        ok: true,
        config: path,
        database: config.database.url ? 'postgres' : `pglite:${config.database.pglite_dir}`,
        service: { host: config.service.host, port: config.service.port },
        sandbox: config.sandbox.enabled,
        banks: config.banks.map((b) => ({
          bank_code: b.bank_code,
          active: b.active,
          sandbox: b.sandbox,
          sftp: `${b.sftp_host}:${b.sftp_port}`,
          format: b.file_format,
          cutoff: b.cutoff_time,
        })),
      })}\n`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`banking-sftp config check: ${error.message}\n`);
    return 2;
  }
}
