/**
 * The shipped Prometheus rules, checked and unit-tested by the real promtool (Debian package `prometheus`; CI
 * installs it, and a missing promtool fails these tests rather than skipping them). Also checks that every
 * PromQL query of the Grafana dashboard parses, by handing them to `promtool check rules` as recording rules.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promtool } from './support/promtool.ts';

const ROOT = join(import.meta.dirname, '..');
const PROMETHEUS_DIR = join(ROOT, 'deploy', 'prometheus');
const ALERTS = [
  'ServiceDown',
  'BankDown',
  'BankConnectionFailures',
  'RetryQueueBacklog',
  'ReconciliationMismatch',
  'ProcessingDelay',
  'CutoffAtRisk',
  'PgpKeyExpiringSoon',
  'HostKeyMismatch',
  'NoSuccessfulPoll',
];

describe('Prometheus alert rules', () => {
  const rules = readFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8');

  it('pass promtool check rules', () => {
    const { status, output } = promtool(['check', 'rules', join(PROMETHEUS_DIR, 'alerts.yml')]);
    expect(output).toContain('SUCCESS: 11 rules found');
    expect(status).toBe(0);
  });

  it('ship the spec alerts and the operational ones, each with severity, summary, description, runbook_url', () => {
    const blocks = rules.split(/\n(?= {6}- alert: )/).slice(1);
    const byName = new Map(blocks.map((b) => [/- alert: (\w+)/.exec(b)?.[1], b]));
    for (const name of ALERTS) {
      const block = byName.get(name);
      expect(block, name).toBeDefined();
      expect(block).toMatch(/severity: (critical|warning)/);
      for (const annotation of ['summary:', 'description:', 'runbook_url:']) expect(block, name).toContain(annotation);
      expect(block, name).not.toMatch(/\brunbook: /);
    }
  });

  it('point every runbook_url at a section of docs/runbooks.md', () => {
    const runbooks = readFileSync(join(ROOT, 'docs', 'runbooks.md'), 'utf8');
    const anchors = new Set([...runbooks.matchAll(/^## (\w+)$/gm)].map((m) => m[1]!.toLowerCase()));
    const urls = [...rules.matchAll(/- alert: (\w+)[\s\S]*?runbook_url: "([^"]+)"/g)];
    expect(urls.length).toBe(11);
    for (const [, name, url] of urls) {
      expect(url, name).toBe(`{{ $externalLabels.runbook_base }}docs/runbooks.md#${name!.toLowerCase()}`);
      expect(anchors.has(name!.toLowerCase()), `docs/runbooks.md has ## ${name}`).toBe(true);
    }
  });

  it('pass their promtool unit tests, which show each alert firing and not firing', () => {
    const files = readdirSync(join(PROMETHEUS_DIR, 'tests')).filter((f) => f.endsWith('.yml'));
    expect(files.length).toBeGreaterThan(0);
    const tests = files.map((f) => readFileSync(join(PROMETHEUS_DIR, 'tests', f), 'utf8')).join('\n');
    for (const name of ALERTS) {
      // an expectation that it fires (exp_alerts with a list) and one that it does not (exp_alerts: [])
      const cases = [...tests.matchAll(new RegExp(`alertname: ${name}\\n\\s+exp_alerts:( \\[\\])?`, 'g'))];
      expect(
        cases.some((c) => c[1] === undefined),
        `${name} firing`,
      ).toBe(true);
      expect(
        cases.some((c) => c[1] !== undefined),
        `${name} not firing`,
      ).toBe(true);
    }
    const { status, output } = promtool(['test', 'rules', ...files.map((f) => join(PROMETHEUS_DIR, 'tests', f))]);
    expect(output).not.toContain('FAILED');
    expect(status, output).toBe(0);
  });
});

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy', 'grafana', 'banking-sftp.json'), 'utf8')) as {
    uid: string;
    panels: { title: string; targets?: { expr: string }[] }[];
  };

  it('has a panel for each thing an operator watches per bank', () => {
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join('\n');
    for (const topic of [
      'circuit breaker',
      'connections',
      'transfer duration',
      'bytes',
      'pool',
      'retry queue',
      'reconciliation',
      'oldest work waiting',
      'cutoff',
      'pgp key',
    ]) {
      expect(titles).toContain(topic);
    }
  });

  it('queries only valid PromQL', () => {
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(15);
    // Grafana's variables as Prometheus would receive them
    const concrete = exprs.map((e) => e.replaceAll('$__rate_interval', '5m').replaceAll('$bank', '.*'));
    const dir = mkdtempSync(join(tmpdir(), 'obs-grafana-'));
    try {
      const file = join(dir, 'dashboard-queries.yml');
      const rulesYaml = concrete
        .map((e, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(e)}`)
        .join('\n');
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rulesYaml}\n`);
      const { status, output } = promtool(['check', 'rules', file]);
      expect(status, output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
