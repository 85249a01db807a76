import { scopeOf } from './alert-scope.js';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/config.schema.js';
import type { Db } from '../db/database.js';
import type { AlertRule } from './alert.js';
import { AlertsRepository } from './alerts.repository.js';
import { AlertDelivery, type AlertSender } from './delivery/delivery.js';
import { EmailSender } from './delivery/email.js';
import { sendWebhook, type WebhookTarget } from './delivery/webhook.js';
import { AlertEvaluator } from './evaluator.js';
import { ALERT_RULES } from './rules/index.js';

export type AlertsConfig = Config['alerts'];

/** The configured webhooks: the environment's first, then the config file's. */
export function webhookTargets(config: AlertsConfig): WebhookTarget[] {
  const one = config.webhook.url !== undefined && config.webhook.secret !== undefined ? [{ url: config.webhook.url, secret: config.webhook.secret }] : [];
  return [...one, ...config.webhooks];
}

/** Alerts: the store, the evaluator and delivery, wired from the configuration. */
export function createAlerting(config: AlertsConfig, db: Db, audit: AuditLog, options: { rules?: readonly AlertRule[]; now?: () => Date } = {}) {
  const repository = new AlertsRepository(db);
  const webhooks = webhookTargets(config);
  const smtp = config.smtp;
  const email = smtp.host !== undefined && smtp.from !== undefined && smtp.to !== undefined ? new EmailSender({ ...smtp, host: smtp.host, from: smtp.from, to: smtp.to }, config.webhookTimeoutMs) : null;
  const targets = [...webhooks.map((_, i) => ({ channel: 'webhook' as const, target: `webhook:${i}` })), ...(email === null ? [] : [{ channel: 'email' as const, target: 'email' }])];
  const send: AlertSender = async (target, alert) => {
    if (target === 'email') {
      if (email === null) throw new Error('email is no longer configured');
      return email.send(alert);
    }
    const webhook = webhooks[Number(/^webhook:(\d+)$/.exec(target)?.[1] ?? -1)];
    if (webhook === undefined) throw new Error(`${target} is no longer configured`);
    return sendWebhook(webhook, alert, config.webhookTimeoutMs, options.now);
  };
  const evaluator = new AlertEvaluator(repository, audit.repository, audit, options.rules ?? ALERT_RULES, config.thresholds, targets, options.now, undefined, (r) => scopeOf(db, r));
  return {
    repository,
    evaluator,
    /** Delivery needs a logger (failures are logged): made by the worker. */
    delivery: (logger: Pick<Logger, 'warn' | 'error'>) => new AlertDelivery(repository, send, logger, 120_000, options.now),
    close: () => email?.close(),
  };
}

/** The workers' periodic tasks (runtime.ts): evaluation and delivery, separately, so a slow webhook never delays an alert being raised. */
export function alertTasks(alerting: ReturnType<typeof createAlerting>, config: AlertsConfig, logger: Logger) {
  if (!config.enabled) return [];
  const delivery = alerting.delivery(logger);
  return [
    {
      name: 'alert evaluation',
      intervalMs: config.evaluationIntervalSeconds * 1000,
      async run() {
        const r = await alerting.evaluator.tick();
        for (const a of r.raised) logger.warn({ alertId: a.id, rule: a.rule, severity: a.severity, auditSeq: a.triggerSeq }, `alert: ${a.title}`);
        return { evaluated: r.evaluated, raised: r.raised.length, lost: r.lost };
      },
    },
    { name: 'alert delivery', intervalMs: config.evaluationIntervalSeconds * 1000, run: () => delivery.tick() },
  ];
}
