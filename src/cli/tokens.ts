// Placeholder while the `tokens` command is being built in this session; replaced before it lands.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('banking-sftp tokens: not available yet\n');
  return 1;
}
