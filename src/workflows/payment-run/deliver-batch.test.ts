/**
 * Delivery against a sandbox bank (real SFTP on loopback, real PGP), with the process "dying" right after the
 * bank has the file: the database refuses every statement from the moment the transactions are to be marked
 * sent (a Kysely plugin throwing, as a dropped connection would). The retry after the "restart" must still end
 * with the batch uploaded AND its transactions sent: a batch recorded `uploaded` with `pending` payments would
 * never be looked at again (restarts resume only batches not yet uploaded).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KyselyPlugin } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { buildTestConfig } from '../../../test/support/test-config.ts';
import { parseConfig } from '../../infra/config/load.ts';
import type { Config } from '../../infra/config/schema.ts';
import { seedDemo } from '../../infra/db/seed-demo.ts';
import { createBankCrypto } from '../../infra/pgp/index.ts';
import { createSecretStore } from '../../infra/secrets/index.ts';
import { type Sandbox, startSandbox } from '../../infra/sftp/sandbox/index.ts';
import { createSftpTransport, type SftpTransport } from '../adapters/sftp-transport.ts';
import { ensureSandboxKeys } from '../sandbox/bank-simulator.ts';
import { buildBatchesForBank } from './build-batches.ts';
import { type DeliverDeps, deliverBatch } from './deliver-batch.ts';

const NOW = new Date('2026-11-26T07:00:00+08:00');

/** From the first update of `transactions` on, every statement fails: the process is gone. */
function dyingAfterUpload(): KyselyPlugin & { dead: boolean } {
  const plugin = {
    dead: false,
    transformQuery(args: Parameters<KyselyPlugin['transformQuery']>[0]) {
      const node = args.node as { kind: string; table?: { table?: { identifier?: { name?: string } } } };
      if (node.kind === 'UpdateQueryNode' && node.table?.table?.identifier?.name === 'transactions') plugin.dead = true;
      if (plugin.dead) throw new Error('Connection terminated unexpectedly');
      return args.node;
    },
    async transformResult(args: Parameters<KyselyPlugin['transformResult']>[0]) {
      return args.result;
    },
  };
  return plugin;
}

describe('delivery interrupted between the upload and the ledger', () => {
  let handle: TestDatabase;
  let dir: string;
  let config: Config;
  let sandbox: Sandbox;
  let transport: SftpTransport;
  let deps: DeliverDeps;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'deliver-'));
    handle = await openTestDatabase();
    const raw = await buildTestConfig({ dataDir: dir, overrides: { demo_data: false } });
    config = parseConfig(raw, 'test');
    config = { ...config, banks: config.banks.filter((b) => b.bank_code === 'mega') };
    const secrets = createSecretStore(config.secrets, { now: () => NOW, audit: async () => {} });
    await ensureSandboxKeys(secrets, config.banks, NOW);
    sandbox = await startSandbox(config);
    transport = createSftpTransport(config, async (name) => (await secrets.get(name)).value);
    const crypto = createBankCrypto({ secrets, logger: pino({ level: 'silent' }), now: () => NOW });
    deps = { db: handle.db, crypto, transport, now: () => NOW, instanceId: 'test' };
  });

  afterAll(async () => {
    await transport?.end();
    await sandbox?.stop();
    await handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('after the retry the batch is uploaded once and every payment in it is sent', async () => {
    const bank = config.banks[0]!;
    await seedDemo(handle.db, { dueDate: '2026-11-26', bankCodes: ['mega'], perBank: 4 });
    const built = await buildBatchesForBank(handle.db, {
      bank,
      company: config.company,
      valueDate: '2026-11-26',
      runId: null,
      now: NOW,
    });
    const batchId = built.batches[0]!.id;

    const dying = dyingAfterUpload();
    await expect(deliverBatch({ ...deps, db: handle.db.withPlugin(dying) }, bank, batchId)).rejects.toThrow(
      /Connection terminated/,
    );
    expect(dying.dead).toBe(true);
    const uploadDir = join(config.sandbox.dir, 'mega', bank.upload_path);
    expect(readdirSync(uploadDir).filter((n) => !n.startsWith('.'))).toHaveLength(1);

    // restarted: the batch is still to be delivered, and the retry finds the file already at the bank
    expect(await deliverBatch(deps, bank, batchId)).toBe('already_done');
    const batch = await handle.db
      .selectFrom('payment_batches')
      .select('state')
      .where('id', '=', batchId)
      .executeTakeFirstOrThrow();
    expect(batch.state).toBe('uploaded');
    const statuses = await handle.db
      .selectFrom('transactions')
      .select('status')
      .where('batch_id', '=', batchId)
      .execute();
    expect(statuses.length).toBe(built.batches[0]!.transaction_count);
    expect(statuses.every((t) => t.status === 'sent')).toBe(true);
    expect(readdirSync(uploadDir).filter((n) => !n.startsWith('.'))).toHaveLength(1);
  });
});
