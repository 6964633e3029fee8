/**
 * The sub-command table. A command module exports `run(argv): Promise<number>` (the exit code; -1 for a
 * long-running command that ends on a signal).
 */
export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

export interface Command {
  summary: string;
  load(): Promise<CommandModule>;
}

export const commands: Record<string, Command> = {
  serve: { summary: 'start the service (migrates, seeds demo data, serves HTTP)', load: () => import('./serve.ts') },
  migrate: { summary: 'apply database migrations', load: () => import('./migrate.ts') },
  'seed-demo': {
    summary: 'insert demo pending invoices for the configured banks',
    load: () => import('./seed-demo.ts'),
  },
  ach: { summary: 'generate, parse and validate payment and reconciliation files', load: () => import('./ach.ts') },
  keys: { summary: 'generate and show PGP keys per bank', load: () => import('./keys.ts') },
  sandbox: { summary: 'run the sandbox bank SFTP servers', load: () => import('./sandbox.ts') },
  simulate: {
    summary: 'run a whole business day against sandbox banks on compressed time and print its report',
    load: () => import('./simulate.ts'),
  },
  calendar: { summary: 'declare, cancel and list ad-hoc closures (typhoon days)', load: () => import('./calendar.ts') },
  tokens: { summary: 'create and list monitor API tokens', load: () => import('./tokens.ts') },
};
