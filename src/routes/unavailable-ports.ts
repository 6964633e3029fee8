import type { MonitorPorts } from './ports.ts';
import { Problem } from './problem.ts';

/**
 * Ports for an app built without the running system (OpenAPI generation, database-only tools): reads show no
 * banks, actions answer 503.
 */
export function unavailablePorts(): MonitorPorts {
  const refuse = async (): Promise<never> => {
    throw new Problem('unavailable', 'the bank actors are not running in this process');
  };
  return {
    snapshot: () => ({ banks: [], nextTicks: [], calendarWarnings: [], runningPaymentRun: null }),
    testConnection: refuse,
    triggerPaymentRun: refuse,
    resolveManualIntervention: refuse,
    retryNow: refuse,
    redateBatch: refuse,
    cancelBatch: refuse,
  };
}
