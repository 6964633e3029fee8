import type { RouteHandler } from '@hono/zod-openapi';
import type { MonitorEnv } from '../auth/monitor-auth.ts';
import { Problem } from '../problem.ts';
import type { MonitorContext } from '../router.ts';
import { taipeiIso } from '../schemas.ts';
import type { resolveManualIntervention } from './banks.routes.ts';

export const banksHandlers = (ctx: MonitorContext) => ({
  resolveManualIntervention: (async (c) => {
    const { bank_code } = c.req.valid('param');
    const { note } = c.req.valid('json');
    const actor = c.get('principal').actor;
    c.set('audit', { action: 'bank.resolve_manual_intervention', target: bank_code, details: { note } });
    const bank = ctx.ports.snapshot().banks.find((b) => b.bankCode === bank_code);
    if (!bank) throw new Problem('not-found', `bank ${bank_code} is not configured or not active`);
    if (!bank.manualIntervention) throw new Problem('conflict', `bank ${bank_code} is not in manual_intervention`);
    await ctx.ports.resolveManualIntervention(bank_code, actor, note);
    return c.json({ bank_code, resolved_by: actor, resolved_at: taipeiIso(ctx.now()) }, 200);
  }) satisfies RouteHandler<typeof resolveManualIntervention, MonitorEnv>,
});
