/** Wrong usage of a command: cli.ts prints the message and the command's usage on stderr and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A runtime failure already explained to the operator: cli.ts prints the message and exits 1. */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
