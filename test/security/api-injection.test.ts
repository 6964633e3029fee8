/**
 * SQL injection against every parameter of the monitor API (query, path and body, as listed in
 * openapi/openapi.json), on the real app and the real database (PGlite, or PostgreSQL with TEST_DATABASE_URL).
 * Each attempt must end in a 2xx/4xx, never a 500; a 4xx is an RFC 9457 problem with a stable type; a list
 * answered 200 is empty; afterwards every table still has its rows and free text was stored as text.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../src/routes/test-helpers.ts';
import { type Seeded, seedMonitorData } from '../api/seed.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';

const API = '/api/v1/banking-monitor';

const PAYLOADS = [
  "' OR '1'='1",
  "1' OR 1=1 --",
  '1; DROP TABLE payment_batches; --',
  "mega'; DELETE FROM api_tokens; --",
  "' UNION SELECT token_hash, name FROM api_tokens --",
  '1) OR (1=1',
  '"; SELECT pg_sleep(5); --',
  "\\' OR 1=1 --",
  '%27%20OR%201%3D1--',
  '$1',
  "\u0000' OR 1=1 --",
  '99999999999999999999999',
  '-1',
  '1e309',
  "ü' OR 'ü'='ü",
];

interface Attempt {
  /** What it covers, as the OpenAPI document names it: `METHOD /path/{param} in:name`. */
  covers: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  role: 'viewer' | 'operator';
}

/** Every parameter of every route, with the payload in it and valid values everywhere else. */
function attempts(p: string, s: Seeded): Attempt[] {
  const e = encodeURIComponent(p);
  const get = (route: string, where: string, path: string): Attempt => ({
    covers: `GET ${API}${route} ${where}`,
    method: 'GET',
    path: `${API}${path}`,
    role: 'viewer',
  });
  const post = (route: string, where: string, path: string, body?: unknown): Attempt => ({
    covers: `POST ${API}${route} ${where}`,
    method: 'POST',
    path: `${API}${path}`,
    role: 'operator',
    ...(body === undefined ? {} : { body }),
  });
  const del = (route: string, where: string, path: string): Attempt => ({
    covers: `DELETE ${API}${route} ${where}`,
    method: 'DELETE',
    path: `${API}${path}`,
    role: 'operator',
  });
  const queries = (route: string, names: string[]) =>
    names.map((name) => get(route, `query:${name}`, `${route}?${name}=${e}`));
  const missed = s.missedBatchId;
  return [
    ...queries('/dashboard', ['days']),
    ...queries('/transfer-history', ['bank_code', 'direction', 'status', 'from', 'to', 'cursor', 'limit']),
    get('/batches/{batch_id}', 'path:batch_id', `/batches/${e}`),
    ...queries('/exceptions', ['status', 'bank_code', 'cursor', 'limit']),
    ...queries('/retry-queue', ['status', 'bank_code', 'cursor', 'limit']),
    post('/batches/generate', 'body:bank_codes', '/batches/generate', { bank_codes: [p] }),
    post('/batches/generate', 'body:value_date', '/batches/generate', { value_date: p }),
    post('/batches/{batch_id}/redate', 'path:batch_id', `/batches/${e}/redate`, { value_date: '2026-11-27' }),
    post('/batches/{batch_id}/redate', 'body:value_date', `/batches/${missed}/redate`, { value_date: p }),
    post('/batches/{batch_id}/redate', 'body:note', `/batches/${missed}/redate`, { value_date: '2026-11-27', note: p }),
    post('/batches/{batch_id}/cancel', 'path:batch_id', `/batches/${e}/cancel`, { reason: 'paid by hand' }),
    post('/batches/{batch_id}/cancel', 'body:reason', `/batches/${missed}/cancel`, { reason: `${p} x` }),
    post('/test-connection', 'body:bank_code', '/test-connection', { bank_code: p }),
    post('/exceptions/{id}/resolve', 'path:id', `/exceptions/${e}/resolve`, { resolution: 'checked by hand' }),
    post('/exceptions/{id}/resolve', 'body:resolution', `/exceptions/${s.exceptionId}/resolve`, {
      resolution: `${p} x`,
    }),
    post(
      '/banks/{bank_code}/resolve-manual-intervention',
      'path:bank_code',
      `/banks/${e}/resolve-manual-intervention`,
      {
        note: 'key re-pinned',
      },
    ),
    post('/banks/{bank_code}/resolve-manual-intervention', 'body:note', '/banks/mega/resolve-manual-intervention', {
      note: `${p} x`,
    }),
    post('/retry-queue/{id}/retry', 'path:id', `/retry-queue/${e}/retry`),
    get('/runs/{run_id}', 'path:run_id', `/runs/${e}`),
    ...queries('/audit', ['since', 'actor', 'action', 'cursor', 'limit']).map((a) => ({
      ...a,
      role: 'operator' as const,
    })),
    ...queries('/notifications', ['status', 'cursor', 'limit']),
    ...queries('/calendar/closures', ['from']),
    post('/calendar/closures', 'body:date', '/calendar/closures', { date: p, reason: 'typhoon' }),
    post('/calendar/closures', 'body:bank_code', '/calendar/closures', {
      date: '2026-12-30',
      bank_code: p,
      reason: 'typhoon',
    }),
    post('/calendar/closures', 'body:reason', '/calendar/closures', { date: '2026-12-30', reason: `${p} x` }),
    del('/calendar/closures/{date}', 'path:date', `/calendar/closures/${e}`),
    del('/calendar/closures/{date}', 'query:bank_code', `/calendar/closures/2026-12-30?bank_code=${e}`),
    // the CLI's own routes answer only the service's local-admin token: these must be refused, never run
    post('/admin/tokens', 'body:role', '/admin/tokens', { role: p }),
    post('/admin/tokens', 'body:name', '/admin/tokens', { role: 'viewer', name: p }),
    post('/admin/tokens/{id}/revoke', 'path:id', `/admin/tokens/${e}/revoke`),
    ...queries('/admin/audit', ['since', 'actor', 'limit']).map((a) => ({ ...a, role: 'operator' as const })),
    post('/admin/actions', 'body:action', '/admin/actions', { action: p, target: 'mega' }),
    post('/admin/actions', 'body:target', '/admin/actions', { action: 'keys.generate', target: p }),
    post('/admin/actions', 'body:details', '/admin/actions', {
      action: 'keys.generate',
      target: 'mega',
      details: { p },
    }),
    post('/sandbox/faults', 'body:bank_code', '/sandbox/faults', { bank_code: p, faults: {} }),
    post('/sandbox/faults', 'body:faults', '/sandbox/faults', { bank_code: 'mega', faults: { refuse_connections: p } }),
  ];
}

let db: TestDatabase;
let t: TestApp;
let seeded: Seeded;
const unexpected: unknown[] = [];

async function rowCounts(): Promise<Record<string, number>> {
  const tables = (await db.db.introspection.getTables()).map((table) => table.name).sort();
  const counts: Record<string, number> = {};
  for (const name of tables) {
    // names come from the catalogue, not from a request
    const row = await sql<{ n: string }>`select count(*) as n from ${sql.table(name)}`.execute(db.db);
    counts[name] = Number(row.rows[0]!.n);
  }
  return counts;
}

beforeAll(async () => {
  db = await openTestDatabase();
  t = await createTestApp(db.db, { logger: { error: (obj) => unexpected.push(obj) } });
  seeded = await seedMonitorData(db.db);
});
afterAll(async () => {
  await db?.close();
});

describe('SQL injection in every monitor API parameter', () => {
  it('covers every parameter and body field the OpenAPI document declares', async () => {
    type Schema = { $ref?: string; properties?: Record<string, unknown> };
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: Array<{ name: string; in: string }>;
            requestBody?: { content: Record<string, { schema: Schema }> };
          }
        >
      >;
      components: { schemas: Record<string, Schema> };
    };
    const declared = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith(API)) continue;
      for (const [method, op] of Object.entries(ops)) {
        const at = `${method.toUpperCase()} ${path}`;
        for (const param of op.parameters ?? []) declared.add(`${at} ${param.in}:${param.name}`);
        let schema = op.requestBody?.content['application/json']?.schema;
        if (schema?.$ref) schema = doc.components.schemas[schema.$ref.split('/').pop()!];
        for (const field of Object.keys(schema?.properties ?? {})) declared.add(`${at} body:${field}`);
      }
    }
    expect(declared.size).toBeGreaterThan(20);
    expect(new Set(attempts('x', seeded).map((a) => a.covers))).toEqual(declared);
  });

  it('answers each attempt with a 2xx or a 4xx problem, never a 500, and lists come back empty', async () => {
    const before = await rowCounts();
    const failures: string[] = [];
    for (const payload of PAYLOADS) {
      for (const a of attempts(payload, seeded)) {
        const token = a.role === 'operator' ? t.operator : t.viewer;
        const response = await t.app.request(a.path, {
          method: a.method,
          headers: t.as(token, a.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(a.body === undefined ? {} : { body: JSON.stringify(a.body) }),
        });
        const where = `${a.covers} <- ${JSON.stringify(payload)}: ${response.status}`;
        if (response.status >= 500) {
          failures.push(`${where} ${await response.text()}`);
          continue;
        }
        if (response.status >= 400) {
          expect(response.headers.get('content-type'), where).toBe('application/problem+json');
          const problem = (await response.json()) as { type: string; status: number };
          // the CLI's admin routes refuse every token but the service's own local-admin one
          const allowed = a.covers.includes(`${API}/admin/`)
            ? '(forbidden|validation)'
            : '(validation|not-found|conflict)';
          expect(problem.type, where).toMatch(new RegExp(`^urn:banking-sftp:problem:${allowed}$`));
          expect(problem.status, where).toBe(response.status);
          continue;
        }
        const body = (await response.json()) as { items?: unknown[] };
        if (a.method === 'GET' && body.items) expect(body.items, where).toEqual([]);
      }
    }
    expect(failures).toEqual([]);
    expect(unexpected).toEqual([]);

    const after = await rowCounts();
    // the only rows the attempts may add are audit entries of the operator's POSTs and the one closure whose
    // date 2026-12-30 the reason attempts declared (each payload's attempt declares it again, with its reason)
    expect({ ...after, audit_log: 0, calendar_overrides: 0 }).toEqual({
      ...before,
      audit_log: 0,
      calendar_overrides: 0,
    });
    expect(after.calendar_overrides).toBe((before.calendar_overrides ?? 0) + 1);
    expect(after.audit_log).toBeGreaterThan(before.audit_log ?? 0);
  });

  it('stores injected free text as text, and the tokens and data are intact', async () => {
    const exception = await db.db
      .selectFrom('exceptions')
      .select(['status', 'resolution'])
      .where('id', '=', seeded.exceptionId)
      .executeTakeFirstOrThrow();
    // the first attempt resolved it with the first payload, verbatim; later ones got 409
    expect(exception).toEqual({ status: 'resolved', resolution: `${PAYLOADS[0]} x` });
    const closures = await db.db.selectFrom('calendar_overrides').select('reason').execute();
    // declared again by every payload's attempt: the last payload's reason is the one kept, verbatim
    expect(closures.map((c) => c.reason)).toEqual([`${PAYLOADS.at(-1)} x`]);
    const notes = await db.db.selectFrom('audit_log').select('details').execute();
    expect(JSON.stringify(notes.map((n) => n.details))).toContain(
      JSON.stringify('1; DROP TABLE payment_batches; -- x').slice(1, -1),
    );
    // a path with a NUL in it is still in the audit log (PostgreSQL cannot store NUL: it is kept as \u0000)
    const actions = await db.db.selectFrom('audit_log').select('action').execute();
    expect(actions.some((a) => a.action.includes("\\u0000' OR 1%3D1 --/redate"))).toBe(true);
    for (const token of [t.viewer, t.operator]) {
      const health = await t.app.request(`${API}/health`, { headers: t.as(token) });
      expect([200, 503]).toContain(health.status);
    }
    const batch = await t.app.request(`${API}/batches/${seeded.uploadedBatchId}`, { headers: t.as(t.viewer) });
    expect(batch.status).toBe(200);
  });
});
