import type { AuditRecord } from '../audit/chain.js';
import type { JsonValue } from '../audit/canonical.js';
import type { Config } from '../config/config.schema.js';

export type AlertSeverity = 'low' | 'medium' | 'high';
export type AlertThresholds = Config['alerts']['thresholds'];

/** What a rule reports: the evaluator turns it into a stored alert. */
export interface AlertDraft {
  readonly rule: string;
  readonly severity: AlertSeverity;
  /** One line for a person (email subject, list); never a secret (it comes from scrubbed audit records). */
  readonly title: string;
  /**
   * The same anomaly gives the same key, whoever evaluates it and however often: the alert is stored
   * once (a unique column). Build it from the rule id and stable facts (ids, the trigger's seq).
   */
  readonly key: string;
  readonly details: { readonly [key: string]: JsonValue };
}

/** A stored alert. */
export interface Alert {
  readonly id: string;
  readonly rule: string;
  readonly severity: AlertSeverity;
  readonly title: string;
  readonly dedupeKey: string;
  /** The audit record that raised it. */
  readonly triggerSeq: number;
  /** That record's time. */
  readonly eventTime: string;
  readonly createdAt: string;
  readonly details: { readonly [key: string]: JsonValue };
}

/** What a rule may look at besides the record: earlier records of its `history` events, and the thresholds. */
export interface RuleContext {
  readonly thresholds: AlertThresholds;
  /**
   * Records of `events` with `seq <= record.seq` and `time` within `ms` before `record.time`
   * (inclusive), oldest first: the record itself included when it is one of `events`.
   */
  window(record: AuditRecord, events: readonly string[], ms: number): readonly AuditRecord[];
}

/**
 * A rule over audit events. Adding one: write it in rules/, list it in rules/index.ts, give it a
 * test with a recorded event sequence, and a row in docs/security.md#anomaly-detection-and-alerts.
 */
export interface AlertRule {
  readonly id: string;
  /** Events that make the rule look (its triggers). */
  readonly events: readonly string[];
  /** Events the rule reads back through `ctx.window`, and how far back (by the thresholds). */
  readonly history?: { readonly events: readonly string[]; lookbackMs(t: AlertThresholds): number };
  evaluate(record: AuditRecord, ctx: RuleContext): readonly AlertDraft[];
  /** Its alerts concern no one account or organization (they name others): the operator's alone. */
  readonly operatorOnly?: true;
}

/** A string member of `details`, if there is one. */
export function detail(record: AuditRecord, name: string): string | undefined {
  const v = record.details[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
