/**
 * Every OpenAPIHono of the monitor API is made here, so all of them share the one validation hook that turns
 * a zod failure into a `validation` problem listing the fields.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../infra/db/schema.ts';
import type { MonitorEnv } from './auth/monitor-auth.ts';
import type { MonitorPorts } from './ports.ts';
import { Problem, problemResponse } from './problem.ts';

export function createRouter() {
  return new OpenAPIHono<MonitorEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = result.error.issues.map((issue) => ({
        field: issue.path.map(String).join('.') || '(body)',
        in: result.target === 'json' ? 'body' : result.target,
        message: issue.message,
      }));
      const fields = [...new Set(errors.map((e) => e.field))].join(', ');
      return problemResponse(c, new Problem('validation', `invalid ${fields}`, { errors }));
    },
  });
}

/** A configured bank as the monitor shows it. */
export interface MonitorBank {
  bank_code: string;
  bank_name: string;
  /** HH:MM, Asia/Taipei. */
  cutoff_time: string;
  /** Accepts any SFTP host key (insecure_accept_any_host_key without a pin, outside the sandbox). */
  insecure_host_key?: boolean;
}

/** What the monitor resources are built from (see create-app.ts). */
export interface MonitorContext {
  db: Kysely<Database>;
  /** Active banks, in configuration order. */
  banks: readonly MonitorBank[];
  ports: MonitorPorts;
  now: () => Date;
  dashboardCacheMs: number;
}

export const API_BASE = '/api/v1/banking-monitor';
