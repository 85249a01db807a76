import type { AuditRecorder } from '../audit/audit-log.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import type { AuditRecord } from '../audit/chain.js';
import type { Alert, AlertRule, AlertThresholds, RuleContext } from './alert.js';
import type { AlertScope } from './alert-scope.js';
import type { AlertsRepository, RaisedDraft } from './alerts.repository.js';

export interface EvaluationResult {
  /** Audit records evaluated. */
  readonly evaluated: number;
  readonly raised: readonly Alert[];
  /** Another worker evaluated the same records first (its alerts count, these were dropped). */
  readonly lost: boolean;
}

/**
 * Reads the audit records after the cursor, runs the rules over them, and stores the alerts while
 * moving the cursor (AlertsRepository.commit: a compare-and-set, so with several workers each record
 * is evaluated into stored alerts exactly once). Then each new alert is audit-logged (`alert.raised`).
 * Deliveries are stored pending and sent by AlertDelivery, so a slow webhook never holds this up.
 */
export class AlertEvaluator {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly auditRecords: AuditRepository,
    private readonly audit: AuditRecorder,
    private readonly rules: readonly AlertRule[],
    private readonly thresholds: AlertThresholds,
    /** Where each new alert goes (one delivery each). */
    private readonly targets: readonly { channel: 'webhook' | 'email'; target: string }[],
    private readonly now: () => Date = () => new Date(),
    private readonly batchSize = 500,
    /** Who an alert concerns (alert-scope.ts); by default nobody but the operator. */
    private readonly scope: (r: AuditRecord) => Promise<AlertScope> = async () => ({ orgId: null, userId: null }),
  ) {}

  /** Evaluates everything new, a batch at a time (at most `maxBatches`). */
  async tick(maxBatches = 20): Promise<EvaluationResult> {
    let evaluated = 0;
    const raised: Alert[] = [];
    for (let i = 0; i < maxBatches; i++) {
      const r = await this.evaluateBatch();
      evaluated += r.evaluated;
      raised.push(...r.raised);
      if (r.lost) return { evaluated, raised, lost: true };
      if (r.evaluated < this.batchSize) break;
    }
    return { evaluated, raised, lost: false };
  }

  private async evaluateBatch(): Promise<EvaluationResult> {
    const from = await this.alerts.cursor();
    const head = await this.auditRecords.head();
    if (head.seq <= from) return { evaluated: 0, raised: [], lost: false };
    const batch = (await this.auditRecords.list(from, head.seq, this.batchSize)).map((s) => s.record);
    if (batch.length === 0) return { evaluated: 0, raised: [], lost: false };
    const to = batch[batch.length - 1]!.seq;
    const drafts: RaisedDraft[] = [];
    for (const rule of this.rules) {
      const triggers = batch.filter((r) => rule.events.includes(r.event));
      if (triggers.length === 0) continue;
      const ctx = await this.contextFor(rule, triggers, to);
      for (const r of triggers) for (const d of rule.evaluate(r, ctx)) drafts.push({ ...d, triggerSeq: r.seq, eventTime: r.time, scope: rule.operatorOnly ? { orgId: null, userId: null } : await this.scope(r) });
    }
    drafts.sort((a, b) => a.triggerSeq - b.triggerSeq);
    const stored = await this.alerts.commit(from, to, drafts, this.targets, this.now());
    if (stored === null) return { evaluated: batch.length, raised: [], lost: true };
    for (const a of stored) {
      await this.audit.record({
        event: 'alert.raised',
        actor: { type: 'system' },
        target: { type: 'alert', id: a.id },
        details: { rule: a.rule, severity: a.severity, title: a.title, triggerSeq: a.triggerSeq },
      });
    }
    return { evaluated: batch.length, raised: stored, lost: false };
  }

  private async contextFor(rule: AlertRule, triggers: readonly AuditRecord[], upTo: number): Promise<RuleContext> {
    let history: AuditRecord[] = [];
    if (rule.history !== undefined) {
      const since = new Date(Date.parse(triggers[0]!.time) - rule.history.lookbackMs(this.thresholds)).toISOString();
      history = await this.alerts.history(rule.history.events, since, upTo);
    }
    return {
      thresholds: this.thresholds,
      window(record, events, ms) {
        const since = new Date(Date.parse(record.time) - ms).toISOString();
        return history.filter((h) => h.seq <= record.seq && h.time >= since && events.includes(h.event));
      },
    };
  }
}
