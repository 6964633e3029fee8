/**
 * The README's example, type-checked by `npm run typecheck` so it stays true:
 * `BSM_TOKEN=… npx tsx packages/monitor-client/example.ts` against a running service.
 */
import { createMonitorClient } from './src/index.ts';

const api = createMonitorClient({ baseUrl: 'http://127.0.0.1:8000', token: process.env.BSM_TOKEN! });
const { data: run, response } = await api.POST('/api/v1/banking-monitor/batches/generate', {
  body: { bank_codes: ['mega'] },
});
const { data } = await api.GET('/api/v1/banking-monitor/runs/{run_id}', {
  params: { path: { run_id: run!.run_id } },
});
console.log(response.headers.get('location'), data?.status, data?.batches.length);
