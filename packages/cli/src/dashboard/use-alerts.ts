// Evaluates the alert rules on each new report, remembers since when each fires, and POSTs
// the webhook on each edge (started firing, cleared), in order, reporting the outcome.
import { useEffect, useMemo, useRef, useState } from 'react';
import { alertTransitions, evaluateAlerts, firingIds, type AlertRule, type AlertStatus } from '../alerts.js';
import type { AnalyticsReport } from '../report-types.js';
import { alertPayload, postWebhook } from '../webhook.js';

/** The outcome of the last webhook POST, for the status line. */
export interface WebhookNotice {
  text: string;
  ok: boolean;
}

/** Options of useAlerts. */
export interface UseAlertsOptions {
  webhookUrl: string | undefined;
  webhookTimeoutMs: number;
  /** `source` of the webhook body. */
  source: string;
  now: () => number;
}

/**
 * Alert statuses of the current report, when each firing one started, and the last webhook
 * outcome.
 *
 * @example
 * ```tsx
 * const { statuses, since, webhook } = useAlerts(report, rules, { webhookUrl, webhookTimeoutMs: 5000, source: source.describe, now: Date.now });
 * ```
 */
export function useAlerts(
  report: AnalyticsReport | null,
  rules: readonly AlertRule[],
  options: UseAlertsOptions,
): { statuses: AlertStatus[]; since: ReadonlyMap<string, number>; webhook: WebhookNotice | null } {
  const statuses = useMemo(() => (report === null ? [] : evaluateAlerts(rules, report)), [report, rules]);
  const firing = useRef<Set<string>>(new Set());
  const queue = useRef<Promise<void>>(Promise.resolve());
  const [since, setSince] = useState<ReadonlyMap<string, number>>(new Map());
  const [webhook, setWebhook] = useState<WebhookNotice | null>(null);
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => {
    if (report === null) return;
    const transitions = alertTransitions(firing.current, statuses);
    firing.current = firingIds(statuses);
    if (transitions.length === 0) return;
    const { webhookUrl, webhookTimeoutMs, source, now } = optionsRef.current;
    const at = now();
    setSince((old) => {
      const next = new Map(old);
      for (const t of transitions) {
        if (t.state === 'firing') next.set(t.rule.id, at);
        else next.delete(t.rule.id);
      }
      return next;
    });
    if (webhookUrl === undefined) return;
    for (const t of transitions) {
      const payload = alertPayload(t, source, at);
      queue.current = queue.current.then(async () => {
        const result = await postWebhook(webhookUrl, payload, { timeoutMs: webhookTimeoutMs });
        setWebhook(
          result.ok
            ? { ok: true, text: `webhook: ${t.rule.id} ${t.state} sent (HTTP ${result.status})` }
            : { ok: false, text: `webhook failed: ${t.rule.id} ${t.state} not delivered: ${result.error}` },
        );
      });
    }
  }, [report, statuses]);

  return { statuses, since, webhook };
}
