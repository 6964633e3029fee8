/**
 * Drives every monitor endpoint through a client typed by openapi-typescript (generated from the committed
 * openapi/openapi.json) and openapi-fetch, against the app: success, 401, 403 (operator-only endpoints with a
 * viewer token), validation problem and not found.
 */
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitorClient, type paths } from '../../packages/monitor-client/src/index.ts';
import { listAudit } from '../../src/infra/db/repositories/audit-log.ts';
import { createTestApp, type TestApp } from '../../src/routes/test-helpers.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { type Seeded, seedMonitorData } from './seed.ts';

let db: TestDatabase;
let t: TestApp;
let seeded: Seeded;

beforeAll(async () => {
  db = await openTestDatabase();
  t = await createTestApp(db.db);
  seeded = await seedMonitorData(db.db);
});
afterAll(async () => {
  await db?.close();
});

const fetchFromApp = (request: Request) => Promise.resolve(t.app.request(request));
/** The repository's client package with a token; a bare openapi-fetch client without one. */
const client = (token?: string) =>
  token
    ? createMonitorClient({ baseUrl: 'http://monitor.test', token, fetch: fetchFromApp })
    : createClient<paths>({ baseUrl: 'http://monitor.test', fetch: fetchFromApp });

/** Takes an openapi-fetch result (its parsed `error`) or a raw Response. */
async function expectProblem(result: Response | { response: Response; error?: unknown }, status: number, kind: string) {
  const response = result instanceof Response ? result : result.response;
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  // biome-ignore lint/suspicious/noExplicitAny: problem bodies are checked field by field below
  const body: any = result instanceof Response ? await result.json() : result.error;
  expect(body.type).toBe(`urn:banking-sftp:problem:${kind}`);
  expect(body.status).toBe(status);
  return body as { errors?: Array<{ field: string; in: string; message: string }> };
}

describe('GET /health', () => {
  it('reports each bank; 503 with the body while a breaker is open, 200 once all are healthy', async () => {
    const { data, error, response } = await client(t.viewer).GET('/api/v1/banking-monitor/health');
    expect(response.status).toBe(503);
    const body = data ?? (error as unknown as typeof data);
    expect(body?.status).toBe('degraded');
    expect(body?.banks.map((b) => b.bank_code)).toEqual(['mega', 'ctbc', 'esun', 'cathay', 'taishin']);
    const ctbc = body?.banks.find((b) => b.bank_code === 'ctbc');
    expect(ctbc).toMatchObject({ status: 'down', breaker: { state: 'open' }, queue_size: 2 });
    expect(body?.next_ticks[0]).toEqual({ event: 'PAYMENTS.GENERATE', at: '2026-11-27T06:00:00.000+08:00' });

    const saved = t.ports.state;
    t.ports.state = { ...saved, banks: saved.banks.map((b) => ({ ...b, breaker: 'closed', health: 'healthy' })) };
    const healthy = await client(t.viewer).GET('/api/v1/banking-monitor/health');
    t.ports.state = saved;
    expect(healthy.response.status).toBe(200);
    expect(healthy.data?.status).toBe('healthy');
  });
  it('401 without or with a wrong token', async () => {
    await expectProblem(await client().GET('/api/v1/banking-monitor/health'), 401, 'unauthorized');
    await expectProblem(
      await client('bsm_not-a-real-token-at-all').GET('/api/v1/banking-monitor/health'),
      401,
      'unauthorized',
    );
  });
  it('404 as a problem for an unknown path', async () => {
    const r = await t.app.request('/api/v1/banking-monitor/nope', { headers: t.as(t.viewer) });
    await expectProblem(r, 404, 'not-found');
  });
});

describe('GET /dashboard', () => {
  it('per bank and day, with returns by reason and transfer latency', async () => {
    const { data, response } = await client(t.viewer).GET('/api/v1/banking-monitor/dashboard', {
      params: { query: { days: 7 } },
    });
    expect(response.status).toBe(200);
    expect(data?.from).toBe('2026-11-20');
    expect(data?.to).toBe('2026-11-26');
    const megaToday = data?.banks.find((b) => b.bank_code === 'mega')?.days.at(-1);
    expect(megaToday?.transactions).toEqual([
      { status: 'returned', count: 1, amount_cents: 200_000 },
      { status: 'sent', count: 3, amount_cents: 800_000 },
    ]);
    expect(megaToday?.returns_by_reason).toEqual([{ code: 'R01', count: 1, amount_cents: 200_000 }]);
    expect(megaToday?.batches).toEqual([
      { state: 'cutoff_missed', count: 1, total_cents: 700_000 },
      { state: 'uploaded', count: 1, total_cents: 300_000 },
    ]);
    expect(megaToday?.exceptions).toEqual({ opened: 1, still_open: 1 });
    const ctbcToday = data?.banks.find((b) => b.bank_code === 'ctbc')?.days.at(-1);
    expect(ctbcToday?.transfers).toMatchObject({ total: 2, succeeded: 1, failed: 1, success_rate: 0.5 });
    expect(ctbcToday?.transfers.latency_ms?.p99).toBeGreaterThan(29_000);
  });
  it('401, validation', async () => {
    await expectProblem(await client().GET('/api/v1/banking-monitor/dashboard'), 401, 'unauthorized');
    const bad = await client(t.viewer).GET('/api/v1/banking-monitor/dashboard', { params: { query: { days: 400 } } });
    const problem = await expectProblem(bad, 400, 'validation');
    expect(problem.errors).toEqual([expect.objectContaining({ field: 'days', in: 'query' })]);
  });
});

describe('GET /transfer-history', () => {
  it('pages newest first with a cursor, filtered', async () => {
    const c = client(t.viewer);
    const first = await c.GET('/api/v1/banking-monitor/transfer-history', {
      params: { query: { bank_code: 'ctbc', limit: 4 } },
    });
    expect(first.response.status).toBe(200);
    expect(first.data?.items.map((i) => i.status)).toEqual(['failure', 'success', 'success', 'success']);
    expect(first.data?.next_cursor).toBeTruthy();
    const second = await c.GET('/api/v1/banking-monitor/transfer-history', {
      params: { query: { bank_code: 'ctbc', limit: 4, cursor: first.data?.next_cursor ?? '' } },
    });
    expect(second.data?.items).toHaveLength(4);
    const ids = [...(first.data?.items ?? []), ...(second.data?.items ?? [])].map((i) => i.id);
    expect(new Set(ids).size).toBe(8);
    const today = await c.GET('/api/v1/banking-monitor/transfer-history', {
      params: { query: { from: '2026-11-26', to: '2026-11-26', status: 'failure' } },
    });
    expect(today.data?.items).toHaveLength(1);
  });
  it('401, validation (fields listed), unknown cursor', async () => {
    await expectProblem(await client().GET('/api/v1/banking-monitor/transfer-history'), 401, 'unauthorized');
    const bad = await client(t.viewer).GET('/api/v1/banking-monitor/transfer-history', {
      params: { query: { direction: 'sideways' as 'upload', limit: 0 } },
    });
    const problem = await expectProblem(bad, 400, 'validation');
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['direction', 'limit']);
    const cursor = await client(t.viewer).GET('/api/v1/banking-monitor/transfer-history', {
      params: { query: { cursor: 'bm9wZQ' } },
    });
    await expectProblem(cursor, 400, 'validation');
  });
});

describe('GET /batches/{batch_id}', () => {
  it('file states, SHA-256s, transactions with the account masked to the last 4, histories', async () => {
    const { data, response } = await client(t.viewer).GET('/api/v1/banking-monitor/batches/{batch_id}', {
      params: { path: { batch_id: String(seeded.uploadedBatchId) } },
    });
    expect(response.status).toBe(200);
    expect(data?.file).toMatchObject({ plaintext_sha256: 'a'.repeat(64), ciphertext_sha256: 'b'.repeat(64) });
    expect(data?.file.states.map((s) => s.to_state)).toEqual(['generated', 'uploaded']);
    expect(data?.file.transfers).toHaveLength(1);
    expect(data?.transactions.map((x) => x.account)).toEqual(['****9001', '****9002']);
    expect(data?.transactions[1]?.history.map((h) => h.to_status)).toEqual(['sent', 'returned']);
    expect(data?.validation_errors[0]?.message).toBe('account **********1234 is closed');
    expect(JSON.stringify(data)).not.toMatch(/12345678901234|123456789002/);
    const byNumber = await client(t.viewer).GET('/api/v1/banking-monitor/batches/{batch_id}', {
      params: { path: { batch_id: 'MEGA202611260001' } },
    });
    expect(byNumber.data?.id).toBe(seeded.uploadedBatchId);
  });
  it('401, validation, 404', async () => {
    const path = { params: { path: { batch_id: '1' } } };
    await expectProblem(await client().GET('/api/v1/banking-monitor/batches/{batch_id}', path), 401, 'unauthorized');
    const bad = await client(t.viewer).GET('/api/v1/banking-monitor/batches/{batch_id}', {
      params: { path: { batch_id: 'x'.repeat(65) } },
    });
    await expectProblem(bad, 400, 'validation');
    const missing = await client(t.viewer).GET('/api/v1/banking-monitor/batches/{batch_id}', {
      params: { path: { batch_id: '999999' } },
    });
    await expectProblem(missing, 404, 'not-found');
  });
});

describe('POST /test-connection', () => {
  it('operator gets the report; audited', async () => {
    const { data, response } = await client(t.operator).POST('/api/v1/banking-monitor/test-connection', {
      body: { bank_code: 'mega' },
    });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ ok: true, host_key_matches_pin: true, upload_path_writable: true });
    expect(data?.upload_probe.map((s) => [s.step, s.ok])).toEqual([
      ['list', true],
      ['stat', true],
    ]);
    expect(data?.server_offer).toBeNull();
    const [last] = await listAudit(db.db, { limit: 1 });
    expect(last).toMatchObject({ actor: expect.stringMatching(/^test-operator#\d+$/), action: 'bank.test_connection' });
    expect(last).toMatchObject({ target: 'mega', result: 'success' });
  });
  it('401, 403 for a viewer (audited), validation, 404', async () => {
    const body = { body: { bank_code: 'mega' } };
    await expectProblem(await client().POST('/api/v1/banking-monitor/test-connection', body), 401, 'unauthorized');
    const forbidden = await client(t.viewer).POST('/api/v1/banking-monitor/test-connection', body);
    await expectProblem(forbidden, 403, 'forbidden');
    const [last] = await listAudit(db.db, { limit: 1 });
    expect(last).toMatchObject({ actor: expect.stringMatching(/^test-viewer#/), result: 'forbidden' });
    const bad = await client(t.operator).POST('/api/v1/banking-monitor/test-connection', {
      body: { bank_code: 'MEGA!' },
    });
    const problem = await expectProblem(bad, 400, 'validation');
    expect(problem.errors?.[0]).toMatchObject({ field: 'bank_code', in: 'body' });
    const missing = await client(t.operator).POST('/api/v1/banking-monitor/test-connection', {
      body: { bank_code: 'nobank' },
    });
    await expectProblem(missing, 404, 'not-found');
  });
});

describe('POST /batches/generate', () => {
  it('202 with the run id; 409 with the running run id; audited', async () => {
    const c = client(t.operator);
    const started = await c.POST('/api/v1/banking-monitor/batches/generate', { body: { bank_codes: ['mega'] } });
    expect(started.response.status).toBe(202);
    expect(started.data).toEqual({ run_id: 'run-test-1', status: 'running' });
    expect(t.ports.calls.at(-1)).toMatchObject({
      method: 'triggerPaymentRun',
      args: [{ bankCodes: ['mega'], actor: expect.stringMatching(/^test-operator#/) }],
    });
    t.ports.nextRun = { conflict: true, runId: 'run-test-1' };
    const again = await c.POST('/api/v1/banking-monitor/batches/generate', {});
    const problem = await expectProblem(again, 409, 'payment-run-in-progress');
    expect(problem).toMatchObject({ run_id: 'run-test-1' });
    t.ports.nextRun = { runId: 'run-test-2' };
    const audit = await listAudit(db.db, { limit: 2 });
    expect(audit.map((a) => [a.action, a.result])).toEqual([
      ['payment_run.trigger', 'failure'],
      ['payment_run.trigger', 'success'],
    ]);
  });
  it('401, 403, validation (unknown bank, bad date)', async () => {
    await expectProblem(await client().POST('/api/v1/banking-monitor/batches/generate', {}), 401, 'unauthorized');
    await expectProblem(await client(t.viewer).POST('/api/v1/banking-monitor/batches/generate', {}), 403, 'forbidden');
    const unknown = await client(t.operator).POST('/api/v1/banking-monitor/batches/generate', {
      body: { bank_codes: ['mega', 'nobank'] },
    });
    expect((await expectProblem(unknown, 400, 'validation')).errors?.[0]?.field).toBe('bank_codes.1');
    const date = await client(t.operator).POST('/api/v1/banking-monitor/batches/generate', {
      body: { value_date: '26/11/2026' },
    });
    expect((await expectProblem(date, 400, 'validation')).errors?.[0]?.field).toBe('value_date');
  });
});

describe('cutoff_missed decisions: POST /batches/{id}/redate and /cancel', () => {
  it('re-dates a cutoff_missed batch through the port; refuses a batch in another state with 409', async () => {
    const c = client(t.operator);
    const ok = await c.POST('/api/v1/banking-monitor/batches/{batch_id}/redate', {
      params: { path: { batch_id: String(seeded.missedBatchId) } },
      body: { value_date: '2026-11-27' },
    });
    expect(ok.response.status).toBe(200);
    expect(t.ports.calls.at(-1)).toMatchObject({
      method: 'redateBatch',
      args: [seeded.missedBatchId, '2026-11-27', expect.any(String)],
    });
    const wrongState = await c.POST('/api/v1/banking-monitor/batches/{batch_id}/cancel', {
      params: { path: { batch_id: String(seeded.uploadedBatchId) } },
      body: { reason: 'paid at the branch' },
    });
    await expectProblem(wrongState, 409, 'conflict');
  });
  it('cancel: success, 401, 403, validation, 404', async () => {
    const params = { path: { batch_id: String(seeded.missedBatchId) } };
    const ok = await client(t.operator).POST('/api/v1/banking-monitor/batches/{batch_id}/cancel', {
      params,
      body: { reason: 'paid at the branch' },
    });
    expect(ok.response.status).toBe(200);
    expect(ok.data?.batch_number).toBe('MEGA202611260002');
    const body = { params, body: { reason: 'paid at the branch' } };
    await expectProblem(
      await client().POST('/api/v1/banking-monitor/batches/{batch_id}/cancel', body),
      401,
      'unauthorized',
    );
    await expectProblem(
      await client(t.viewer).POST('/api/v1/banking-monitor/batches/{batch_id}/cancel', body),
      403,
      'forbidden',
    );
    const bad = await client(t.operator).POST('/api/v1/banking-monitor/batches/{batch_id}/cancel', {
      params,
      body: { reason: '' },
    });
    await expectProblem(bad, 400, 'validation');
    const missing = await client(t.operator).POST('/api/v1/banking-monitor/batches/{batch_id}/redate', {
      params: { path: { batch_id: '999999' } },
      body: { value_date: '2026-11-27' },
    });
    await expectProblem(missing, 404, 'not-found');
  });
});

describe('exceptions', () => {
  it('lists open exceptions (masked) and resolves one once', async () => {
    const c = client(t.operator);
    const list = await c.GET('/api/v1/banking-monitor/exceptions', {});
    expect(list.response.status).toBe(200);
    expect(list.data?.items.map((e) => e.id)).toEqual([seeded.exceptionId]);
    expect(list.data?.items[0]?.message).toBe('amount differs for account **********9002');
    const path = { params: { path: { id: seeded.exceptionId } }, body: { resolution: 'bank fee, corrected in ERP' } };
    const resolved = await c.POST('/api/v1/banking-monitor/exceptions/{id}/resolve', path);
    expect(resolved.data).toMatchObject({ status: 'resolved', resolved_by: expect.stringMatching(/^test-operator#/) });
    await expectProblem(await c.POST('/api/v1/banking-monitor/exceptions/{id}/resolve', path), 409, 'conflict');
    expect((await c.GET('/api/v1/banking-monitor/exceptions', {})).data?.items).toEqual([]);
  });
  it('401, 403, validation, 404', async () => {
    await expectProblem(await client().GET('/api/v1/banking-monitor/exceptions', {}), 401, 'unauthorized');
    const bad = await client(t.viewer).GET('/api/v1/banking-monitor/exceptions', {
      params: { query: { status: 'closed' as 'open' } },
    });
    await expectProblem(bad, 400, 'validation');
    const body = { params: { path: { id: 999_999 } }, body: { resolution: 'done it' } };
    await expectProblem(
      await client(t.viewer).POST('/api/v1/banking-monitor/exceptions/{id}/resolve', body),
      403,
      'forbidden',
    );
    await expectProblem(
      await client(t.operator).POST('/api/v1/banking-monitor/exceptions/{id}/resolve', body),
      404,
      'not-found',
    );
    const badId = await t.app.request('/api/v1/banking-monitor/exceptions/abc/resolve', {
      method: 'POST',
      headers: t.as(t.operator, { 'content-type': 'application/json' }),
      body: JSON.stringify({ resolution: 'done it' }),
    });
    expect((await expectProblem(badId, 400, 'validation')).errors?.[0]).toMatchObject({ field: 'id', in: 'param' });
  });
});

describe('POST /banks/{bank_code}/resolve-manual-intervention', () => {
  it('clears it through the port; 409 when the bank is not in manual intervention', async () => {
    const saved = t.ports.state;
    t.ports.state = {
      ...saved,
      banks: saved.banks.map((b) =>
        b.bankCode === 'esun' ? { ...b, manualIntervention: { reason: 'host key mismatch', since: new Date() } } : b,
      ),
    };
    const c = client(t.operator);
    const ok = await c.POST('/api/v1/banking-monitor/banks/{bank_code}/resolve-manual-intervention', {
      params: { path: { bank_code: 'esun' } },
      body: { note: 'new host key pinned' },
    });
    t.ports.state = saved;
    expect(ok.response.status).toBe(200);
    expect(t.ports.calls.at(-1)).toMatchObject({
      method: 'resolveManualIntervention',
      args: ['esun', expect.any(String), 'new host key pinned'],
    });
    const notNeeded = await c.POST('/api/v1/banking-monitor/banks/{bank_code}/resolve-manual-intervention', {
      params: { path: { bank_code: 'mega' } },
      body: { note: 'nothing to do' },
    });
    await expectProblem(notNeeded, 409, 'conflict');
  });
  it('401, 403, validation, 404', async () => {
    const req = (bank_code: string, note = 'fixed it') => ({ params: { path: { bank_code } }, body: { note } });
    const p = '/api/v1/banking-monitor/banks/{bank_code}/resolve-manual-intervention' as const;
    await expectProblem(await client().POST(p, req('mega')), 401, 'unauthorized');
    await expectProblem(await client(t.viewer).POST(p, req('mega')), 403, 'forbidden');
    await expectProblem(await client(t.operator).POST(p, req('Mega Bank')), 400, 'validation');
    await expectProblem(await client(t.operator).POST(p, req('nobank')), 404, 'not-found');
  });
});

describe('retry queue', () => {
  it('lists open entries and retries one through the port', async () => {
    const c = client(t.operator);
    const list = await c.GET('/api/v1/banking-monitor/retry-queue', {});
    expect(list.data?.items.map((e) => e.id)).toEqual([seeded.retryEntryId]);
    const done = await c.GET('/api/v1/banking-monitor/retry-queue', { params: { query: { status: 'done' } } });
    expect(done.data?.items.map((e) => e.id)).toEqual([seeded.doneRetryEntryId]);
    const retried = await c.POST('/api/v1/banking-monitor/retry-queue/{id}/retry', {
      params: { path: { id: seeded.retryEntryId } },
    });
    expect(retried.response.status).toBe(200);
    expect(t.ports.calls.at(-1)).toMatchObject({ method: 'retryNow', args: [seeded.retryEntryId, expect.any(String)] });
    const finished = await c.POST('/api/v1/banking-monitor/retry-queue/{id}/retry', {
      params: { path: { id: seeded.doneRetryEntryId } },
    });
    await expectProblem(finished, 409, 'conflict');
  });
  it('401, 403, validation, 404', async () => {
    const p = '/api/v1/banking-monitor/retry-queue/{id}/retry' as const;
    await expectProblem(await client().GET('/api/v1/banking-monitor/retry-queue', {}), 401, 'unauthorized');
    const bad = await client(t.viewer).GET('/api/v1/banking-monitor/retry-queue', {
      params: { query: { limit: 1000 } },
    });
    await expectProblem(bad, 400, 'validation');
    await expectProblem(
      await client(t.viewer).POST(p, { params: { path: { id: seeded.retryEntryId } } }),
      403,
      'forbidden',
    );
    await expectProblem(await client(t.operator).POST(p, { params: { path: { id: 0 } } }), 400, 'validation');
    await expectProblem(await client(t.operator).POST(p, { params: { path: { id: 999_999 } } }), 404, 'not-found');
  });
});
