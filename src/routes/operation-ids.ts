/**
 * Every operation in the OpenAPI document has an `operationId`, which generated clients use as the method name.
 * The names below are chosen; an operation added without one gets a name made from its method and path
 * (`POST /calendar/closures` -> `postCalendarClosures`), so the document never lacks one.
 */
import { API_BASE } from './router.ts';

const CHOSEN: Record<string, string> = {
  'get /healthz': 'getHealthz',
  'get /metrics': 'getMetrics',
  [`get ${API_BASE}/health`]: 'getHealth',
  [`get ${API_BASE}/dashboard`]: 'getDashboard',
  [`get ${API_BASE}/transfer-history`]: 'listTransfers',
  [`post ${API_BASE}/batches/generate`]: 'generateBatches',
  [`get ${API_BASE}/batches/{batch_id}`]: 'getBatch',
  [`post ${API_BASE}/batches/{batch_id}/redate`]: 'redateBatch',
  [`post ${API_BASE}/batches/{batch_id}/cancel`]: 'cancelBatch',
  [`post ${API_BASE}/test-connection`]: 'testConnection',
  [`get ${API_BASE}/exceptions`]: 'listExceptions',
  [`post ${API_BASE}/exceptions/{id}/resolve`]: 'resolveException',
  [`post ${API_BASE}/banks/{bank_code}/resolve-manual-intervention`]: 'resolveManualIntervention',
  [`get ${API_BASE}/retry-queue`]: 'listRetryQueue',
  [`post ${API_BASE}/retry-queue/{id}/retry`]: 'retryNow',
  [`get ${API_BASE}/runs/{run_id}`]: 'getPaymentRun',
  [`get ${API_BASE}/audit`]: 'listAudit',
  [`get ${API_BASE}/events`]: 'streamEvents',
  [`get ${API_BASE}/notifications`]: 'listNotifications',
};

export function derivedOperationId(method: string, path: string): string {
  const words = path
    .slice(path.startsWith(API_BASE) ? API_BASE.length : 0)
    .split(/[/{}_-]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  return `${method.toLowerCase()}${words.join('')}`;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/** Fills in missing operationIds in place and returns the document. */
export function withOperationIds<D extends { paths?: object | undefined }>(document: D): D {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries((item ?? {}) as Record<string, unknown>)) {
      if (!METHODS.has(method) || typeof operation !== 'object' || operation === null) continue;
      const op = operation as { operationId?: string };
      op.operationId ??= CHOSEN[`${method} ${path}`] ?? derivedOperationId(method, path);
    }
  }
  return document;
}
