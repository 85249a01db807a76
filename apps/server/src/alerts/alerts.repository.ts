import type { AlertScope } from './alert-scope.js';
import { randomUUID } from 'node:crypto';
import type { AuditRecord } from '../audit/chain.js';
import type { Db } from '../db/database.js';
import type { Alert, AlertDraft, AlertSeverity } from './alert.js';

const CURSOR = 'evaluator';

/** A draft with the record that raised it. */
export interface RaisedDraft extends AlertDraft {
  readonly triggerSeq: number;
  readonly eventTime: string;
  readonly scope: AlertScope;
}

export interface DeliveryRow {
  readonly id: string;
  readonly alertId: string;
  readonly channel: 'webhook' | 'email';
  /** `webhook:<n>` (the n-th configured webhook, never its URL) or `email`. */
  readonly target: string;
  readonly attempts: number;
}

/** The `alerts`, `alert_deliveries` and `alert_cursor` tables (migration 0009). */
export class AlertsRepository {
  constructor(private readonly db: Db) {}

  /** The last audit sequence number evaluated. */
  async cursor(): Promise<number> {
    const r = await this.db.selectFrom('alert_cursor').select('seq').where('name', '=', CURSOR).executeTakeFirst();
    return Number(r?.seq ?? 0);
  }

  /** Records of `events` with `time >= since` and `seq <= upTo`, oldest first (at most `limit`). */
  async history(events: readonly string[], since: string, upTo: number, limit = 100_000): Promise<AuditRecord[]> {
    if (events.length === 0) return [];
    const rows = await this.db
      .selectFrom('audit_log')
      .select('record_json')
      .where('event', 'in', [...events])
      .where('time', '>=', since)
      .where('seq', '<=', upTo)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => JSON.parse(r.record_json) as AuditRecord);
  }

  /**
   * Moves the cursor from `from` to `to` and stores the alerts, all or nothing. The move is a
   * compare-and-set (`WHERE seq = from`): when another worker moved it first, nothing is stored and
   * null is returned, so two workers evaluating the same records never both raise their alerts. An
   * alert whose key is stored already (a crash between storing and auditing) is skipped.
   * Returns the alerts stored now. Each gets one pending delivery per target.
   */
  async commit(from: number, to: number, drafts: readonly RaisedDraft[], targets: readonly { channel: 'webhook' | 'email'; target: string }[], now: Date): Promise<Alert[] | null> {
    const at = now.toISOString();
    return this.db.transaction().execute(async (trx) => {
      const moved = await trx.updateTable('alert_cursor').set({ seq: to, updated_at: at }).where('name', '=', CURSOR).where('seq', '=', from).executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return null;
      const stored: Alert[] = [];
      const seen = new Set<string>();
      for (const d of drafts) {
        if (seen.has(d.key)) continue;
        seen.add(d.key);
        const alert: Alert = { id: randomUUID(), rule: d.rule, severity: d.severity, title: d.title, dedupeKey: d.key, triggerSeq: d.triggerSeq, eventTime: d.eventTime, createdAt: at, details: d.details };
        const inserted = await trx
          .insertInto('alerts')
          .values({ id: alert.id, rule: alert.rule, severity: alert.severity, title: alert.title, dedupe_key: alert.dedupeKey, details_json: JSON.stringify(alert.details), trigger_seq: alert.triggerSeq, event_time: alert.eventTime, created_at: at, org_id: d.scope.orgId, user_id: d.scope.userId })
          .onConflict((oc) => oc.column('dedupe_key').doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) continue;
        for (const t of targets) {
          await trx
            .insertInto('alert_deliveries')
            .values({ id: randomUUID(), alert_id: alert.id, channel: t.channel, target: t.target, state: 'pending', attempts: 0, next_attempt_at: at, created_at: at, updated_at: at })
            .execute();
        }
        stored.push(alert);
      }
      return stored;
    });
  }

  /** The newest alerts first. */
  /** Newest first; of one organization or one account when asked (the API's views), else all (the operator's). */
  async list(options: { limit?: number; since?: string; orgId?: string; userId?: string } = {}): Promise<Alert[]> {
    let q = this.db.selectFrom('alerts').selectAll();
    if (options.since !== undefined) q = q.where('created_at', '>=', options.since);
    if (options.orgId !== undefined) q = q.where('org_id', '=', options.orgId);
    if (options.userId !== undefined) q = q.where('user_id', '=', options.userId);
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('trigger_seq', 'desc')
      .limit(options.limit ?? 100)
      .execute();
    return rows.map(toAlert);
  }

  async findById(id: string): Promise<Alert | null> {
    const r = await this.db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? null : toAlert(r);
  }

  /** Deliveries due now (pending, their time come, not held by another worker). */
  async dueDeliveries(now: Date, limit: number): Promise<DeliveryRow[]> {
    const at = now.toISOString();
    const rows = await this.db
      .selectFrom('alert_deliveries')
      .select(['id', 'alert_id', 'channel', 'target', 'attempts'])
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', at)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, alertId: r.alert_id, channel: r.channel as DeliveryRow['channel'], target: r.target, attempts: Number(r.attempts) }));
  }

  /** Takes a delivery for `leaseMs` (compare-and-set): false when another worker has it. Counts the attempt. */
  async claim(d: DeliveryRow, now: Date, leaseMs: number): Promise<boolean> {
    const at = now.toISOString();
    const r = await this.db
      .updateTable('alert_deliveries')
      .set({ locked_until: new Date(now.getTime() + leaseMs).toISOString(), attempts: d.attempts + 1, updated_at: at })
      .where('id', '=', d.id)
      .where('state', '=', 'pending')
      .where('attempts', '=', d.attempts)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async delivered(id: string, now: Date): Promise<void> {
    const at = now.toISOString();
    await this.db.updateTable('alert_deliveries').set({ state: 'delivered', delivered_at: at, locked_until: null, last_error: null, updated_at: at }).where('id', '=', id).execute();
  }

  /** A failed attempt: retried at `retryAt`, or given up (`failed`) when null. */
  async attemptFailed(id: string, error: string, retryAt: Date | null, now: Date): Promise<void> {
    await this.db
      .updateTable('alert_deliveries')
      .set({ state: retryAt === null ? 'failed' : 'pending', next_attempt_at: (retryAt ?? now).toISOString(), locked_until: null, last_error: error.slice(0, 500), updated_at: now.toISOString() })
      .where('id', '=', id)
      .execute();
  }

  async deliveriesOf(alertId: string): Promise<{ channel: string; target: string; state: string; attempts: number; lastError: string | null }[]> {
    const rows = await this.db.selectFrom('alert_deliveries').select(['channel', 'target', 'state', 'attempts', 'last_error']).where('alert_id', '=', alertId).orderBy('target').execute();
    return rows.map((r) => ({ channel: r.channel, target: r.target, state: r.state, attempts: Number(r.attempts), lastError: r.last_error }));
  }
}

function toAlert(r: { id: string; rule: string; severity: string; title: string; dedupe_key: string; details_json: string; trigger_seq: number; event_time: string; created_at: string }): Alert {
  return {
    id: r.id,
    rule: r.rule,
    severity: r.severity as AlertSeverity,
    title: r.title,
    dedupeKey: r.dedupe_key,
    triggerSeq: Number(r.trigger_seq),
    eventTime: r.event_time,
    createdAt: r.created_at,
    details: JSON.parse(r.details_json) as Alert['details'],
  };
}
