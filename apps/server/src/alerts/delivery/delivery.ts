import type { Logger } from 'pino';
import type { Alert } from '../alert.js';
import type { AlertsRepository } from '../alerts.repository.js';

/** Sends one alert to one target (`webhook:<n>` or `email`); throws a message safe to log and store. */
export type AlertSender = (target: string, alert: Alert) => Promise<void>;

export const MAX_ATTEMPTS = 10;

/** Back-off after the n-th failed attempt: 30 s, 1 min, 2 min... at most an hour (10 attempts span about 4 hours). */
export function retryDelayMs(attempt: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** (attempt - 1));
}

/**
 * Sends pending deliveries. Each is claimed (a compare-and-set with a lease) so two workers never
 * send the same one at once; a failure is retried with back-off, up to MAX_ATTEMPTS, then marked
 * failed. Runs as its own periodic task: evaluation never waits for it.
 */
export class AlertDelivery {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly send: AlertSender,
    private readonly logger: Pick<Logger, 'warn' | 'error'>,
    private readonly leaseMs = 120_000,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async tick(limit = 20): Promise<{ delivered: number; failed: number }> {
    let delivered = 0;
    let failed = 0;
    for (const d of await this.alerts.dueDeliveries(this.now(), limit)) {
      if (!(await this.alerts.claim(d, this.now(), this.leaseMs))) continue;
      const attempt = d.attempts + 1;
      const alert = await this.alerts.findById(d.alertId);
      try {
        if (alert === null) throw new Error('alert not found');
        await this.send(d.target, alert);
        await this.alerts.delivered(d.id, this.now());
        delivered++;
      } catch (e) {
        failed++;
        const message = e instanceof Error ? e.message : 'delivery failed';
        const retryAt = attempt >= MAX_ATTEMPTS ? null : new Date(this.now().getTime() + retryDelayMs(attempt));
        await this.alerts.attemptFailed(d.id, message, retryAt, this.now());
        // The message names the host or SMTP server only: never a URL, secret or password.
        this.logger.warn({ alertId: d.alertId, target: d.target, attempt, error: message, retryAt: retryAt?.toISOString() ?? null }, retryAt === null ? 'alert delivery failed for good' : 'alert delivery failed; retrying');
      }
    }
    return { delivered, failed };
  }
}
