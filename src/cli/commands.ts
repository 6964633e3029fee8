/**
 * The sub-command table. A command module exports `run(argv): Promise<number>` (the exit code; -1 for a
 * long-running command that ends on a signal). Each command's usage lives here, so `--help` is answered by
 * cli.ts before the command's module is even loaded: it can start, open or create nothing.
 */
export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

export interface Command {
  summary: string;
  usage: string;
  load(): Promise<CommandModule>;
}

const CONFIG = '  --config, -c FILE   configuration file (default config/banking.json, or BANKING_CONFIG)';

export const commands: Record<string, Command> = {
  serve: {
    summary: 'start the service (migrates, seeds demo data, serves HTTP)',
    usage: `usage: banking-sftp serve [--config FILE]

Runs until SIGTERM/SIGINT. On the embedded database it holds <pglite_dir>.lock; a second serve on the same
directory is refused.
${CONFIG}`,
    load: () => import('./serve.ts'),
  },
  migrate: {
    summary: 'apply database migrations',
    usage: `usage: banking-sftp migrate [--config FILE]\n${CONFIG}`,
    load: () => import('./migrate.ts'),
  },
  'seed-demo': {
    summary: 'insert demo pending invoices for the configured banks',
    usage: `usage: banking-sftp seed-demo [--date YYYY-MM-DD] [--config FILE]\n${CONFIG}`,
    load: () => import('./seed-demo.ts'),
  },
  config: {
    summary: 'check the configuration without touching anything',
    usage: `usage: banking-sftp config check [--config FILE]

Validates the configuration and prints a summary; names the bank and field of a bad setting (exit 2).
Opens no database, secret store or port.
${CONFIG}`,
    load: () => import('./config-check.ts'),
  },
  bank: {
    summary: "test a bank's SFTP connection",
    usage: `usage: banking-sftp bank test-connection --bank CODE [--config FILE]

Prints the API's test-connection report as JSON (through the running service when one holds the database).
Exit 0 when the connection works, 1 when it does not.
${CONFIG}`,
    load: () => import('./bank.ts'),
  },
  'retry-queue': {
    summary: 'list the retry queue or retry one entry now',
    usage: `usage:
  banking-sftp retry-queue list [--all] [--bank CODE] [--config FILE]
  banking-sftp retry-queue retry ID [--config FILE]

list prints the open entries (--all: every status) as JSON lines. retry re-attempts the entry now through the
running service; with no service running it makes the entry due now, for the next start.
${CONFIG}`,
    load: () => import('./retry-queue.ts'),
  },
  pgp: {
    summary: 'sign+encrypt or decrypt+verify a file by hand, as the uploads and polls do',
    usage: `usage:
  banking-sftp pgp protect --bank CODE --input FILE --output FILE [--config FILE]
  banking-sftp pgp open    --bank CODE --input FILE --output FILE [--config FILE]

protect writes exactly the bytes an upload to that bank sends. open decrypts and verifies a file from that
bank and prints {"signer","sha256","bytes"}; a file that fails prints {"error":{"code","message"}} on stderr,
exits 2 and writes no output file.
${CONFIG}`,
    load: () => import('./pgp.ts'),
  },
  audit: {
    summary: 'read the audit log',
    usage: `usage: banking-sftp audit [--since DATE|INSTANT] [--actor ACTOR] [--limit N] [--config FILE]

Prints audit entries, newest first, as JSON lines. --since takes YYYY-MM-DD (Asia/Taipei midnight) or an ISO
instant.
${CONFIG}`,
    load: () => import('./audit.ts'),
  },
  ach: {
    summary: 'generate, parse and validate payment and reconciliation files',
    usage: `usage:
  banking-sftp ach generate --format F --input batch.json [--output FILE] [--encoding Big5|UTF-8]
  banking-sftp ach parse    --format F --kind payment|reconciliation --input FILE [--encoding E]
  banking-sftp ach validate --format F --kind payment|reconciliation --input FILE [--encoding E]

F is fixed_width, tch_ach or csv.`,
    load: () => import('./ach.ts'),
  },
  keys: {
    summary: 'generate and show PGP keys per bank',
    usage: `usage:
  banking-sftp keys generate --bank CODE [--type ed25519|rsa3072] [--expires-days N] [--rotate] [--config FILE]
  banking-sftp keys show [--bank CODE] [--json] [--config FILE]`,
    load: () => import('./keys.ts'),
  },
  sandbox: {
    summary: 'run the sandbox bank SFTP servers, or switch their faults on the running service',
    usage: `usage:
  banking-sftp sandbox [--config FILE]                 run the sandbox banks alone until SIGTERM/SIGINT
  banking-sftp sandbox faults [--config FILE]          show the running service's sandbox fault switches
  banking-sftp sandbox fault --bank CODE [--refuse-connections] [--stall-ms N] [--drop-after-bytes N]
                             [--reject-files] [--result-delay-seconds N] [--config FILE]
                                                       replace that bank's switches (none given: all off)

Fault switching goes through the running service's API (operator role, audited); outside the embedded
database's lock set BANKING_API_TOKEN to an operator token.
${CONFIG}`,
    load: () => import('./sandbox.ts'),
  },
  simulate: {
    summary: 'run a whole business day against sandbox banks on compressed time and print its report',
    usage: `usage: banking-sftp simulate [--date YYYY-MM-DD] [--speed N] [--config FILE]

Runs on a scratch in-memory database and scratch directory; touches nothing configured.`,
    load: () => import('./simulate.ts'),
  },
  calendar: {
    summary: 'declare, cancel and list ad-hoc closures (typhoon days)',
    usage: `usage:
  banking-sftp calendar close --date YYYY-MM-DD [--bank CODE] --reason TEXT [--config FILE]
  banking-sftp calendar reopen --date YYYY-MM-DD [--bank CODE] [--config FILE]
  banking-sftp calendar list [--config FILE]

A closure makes the date no business day (for one bank, or all): no payment run, no polls, and batches already
built for it wait as value_date_closed. Past dates cannot be changed. Audited.
${CONFIG}`,
    load: () => import('./calendar.ts'),
  },
  tokens: {
    summary: 'create, list and revoke monitor API tokens',
    usage: `usage:
  banking-sftp tokens create --role viewer|operator [--name NAME] [--config FILE]
  banking-sftp tokens list [--config FILE]
  banking-sftp tokens revoke ID [--config FILE]

Through the running service when one holds the embedded database; audited either way.`,
    load: () => import('./tokens.ts'),
  },
};
