/**
 * Process and event-loop metrics through the OTel metrics API (observable instruments read at each scrape):
 * resident memory, heap, CPU seconds, event-loop delay and utilisation. Names follow the Prometheus client
 * conventions (`process_*`, `nodejs_*`) so existing dashboards and habits apply. Each source is optional:
 * a runtime that lacks one (Deno's node:perf_hooks has no event-loop delay histogram) exports the others.
 */

import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Meter } from '@opentelemetry/api';

function tryOr<T>(make: () => T): T | undefined {
  try {
    return make();
  } catch {
    return undefined;
  }
}

/** Registers the instruments; the returned function stops the event-loop sampler. */
export function registerRuntimeMetrics(meter: Meter): () => void {
  meter
    .createObservableGauge('process_resident_memory_bytes', { description: 'Resident memory size in bytes.' })
    .addCallback((r) => {
      const rss = tryOr(() => process.memoryUsage.rss());
      if (rss !== undefined) r.observe(rss);
    });
  meter
    .createObservableGauge('nodejs_heap_used_bytes', { description: 'JavaScript heap in use, in bytes.' })
    .addCallback((r) => {
      const heap = tryOr(() => process.memoryUsage().heapUsed);
      if (heap !== undefined) r.observe(heap);
    });
  meter
    .createObservableCounter('process_cpu_seconds_total', { description: 'User and system CPU time spent, seconds.' })
    .addCallback((r) => {
      const cpu = tryOr(() => process.cpuUsage());
      if (cpu) r.observe((cpu.user + cpu.system) / 1e6);
    });

  const delay: IntervalHistogram | undefined = tryOr(() => {
    const h = monitorEventLoopDelay({ resolution: 20 });
    h.enable();
    return h;
  });
  meter
    .createObservableGauge('nodejs_eventloop_delay_seconds', {
      // sampled every 20 ms, so an idle loop reads about 0.02; a blocked one reads the time it was blocked
      description: 'Event-loop delay since the last scrape, sampled every 20 ms: stat p50, p99, max.',
    })
    .addCallback((r) => {
      if (!delay || delay.count === 0) return;
      r.observe(delay.percentile(50) / 1e9, { stat: 'p50' });
      r.observe(delay.percentile(99) / 1e9, { stat: 'p99' });
      r.observe(delay.max / 1e9, { stat: 'max' });
      delay.reset();
    });

  let lastElu = tryOr(() => performance.eventLoopUtilization());
  meter
    .createObservableGauge('nodejs_eventloop_utilization_ratio', {
      description: 'Share of time the event loop was busy since the last scrape (0-1).',
    })
    .addCallback((r) => {
      if (!lastElu) return;
      const now = tryOr(() => performance.eventLoopUtilization());
      if (!now) return;
      const since = performance.eventLoopUtilization(now, lastElu);
      lastElu = now;
      r.observe(since.utilization);
    });

  return () => delay?.disable();
}
