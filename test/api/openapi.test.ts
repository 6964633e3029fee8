/**
 * The committed OpenAPI document is valid OpenAPI 3.1, matches what the routes generate (CI also runs
 * `npm run openapi -- --check`), declares bearer auth, examples and problem responses, and the generated
 * client types are in sync with it.
 */
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_PATH, documentText, generateTypes, TYPES_PATH } from '../../scripts/openapi.ts';

const committed = readFileSync(DOCUMENT_PATH, 'utf8');

describe('openapi/openapi.json', () => {
  it('is what the routes generate', () => {
    expect(committed).toBe(documentText());
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const api = await SwaggerParser.validate(JSON.parse(committed));
    expect((api as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('declares bearer auth on every monitor operation, a problem+json 401, and examples', () => {
    const doc = JSON.parse(committed);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const operations = Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>)
      .filter(([path]) => path.startsWith('/api/v1/banking-monitor/'))
      .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));
    // 13 monitor + 3 calendar closures + runs, audit, events, notifications + 5 admin (the CLI's) + 2 sandbox faults
    expect(operations).toHaveLength(27);
    for (const { op } of operations) {
      expect(op.security).toEqual([{ bearerAuth: [] }]);
      const responses = op.responses as Record<string, { content?: Record<string, unknown> }>;
      expect(Object.keys(responses['401']?.content ?? {})).toEqual(['application/problem+json']);
      if (op.requestBody) expect(JSON.stringify(op.requestBody)).toMatch(/"\$ref"|example/);
    }
    for (const name of ['Health', 'Dashboard', 'TransferPage', 'BatchDetail', 'Problem', 'TestConnectionReport']) {
      expect(doc.components.schemas[name].example, name).toBeDefined();
    }
  });

  it('names every operation with a unique operationId, and no server is a bare "/"', () => {
    const doc = JSON.parse(committed);
    const ids = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((item) =>
      Object.values(item).map((op) => op.operationId),
    );
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['getPaymentRun', 'listAudit', 'streamEvents', 'retryNow']));
    expect(doc.servers.map((s: { url: string }) => s.url)).not.toContain('/');
    expect(doc.paths['/api/v1/banking-monitor/batches/generate'].post.responses['202'].headers.Location).toBeDefined();
    expect(Object.keys(doc.paths['/api/v1/banking-monitor/events'].get.responses['200'].content)).toEqual([
      'text/event-stream',
    ]);
  });

  it('the generated client types are in sync with it', async () => {
    expect(readFileSync(TYPES_PATH, 'utf8')).toBe(await generateTypes(committed));
  });
});
