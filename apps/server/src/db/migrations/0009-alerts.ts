import { sql, type Kysely } from 'kysely';

/**
 * Anomaly detection and alerts (alerts/): raised alerts, their deliveries (one per webhook and one
 * for email, retried with back-off), and the evaluator's cursor in the audit log. The cursor starts
 * at the log's head when this migration runs: events from before alerts existed raise none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    // The same anomaly evaluated twice (after a crash, by two workers) has the same key: stored once.
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('details_json', 'text', (c) => c.notNull())
    .addColumn('trigger_seq', 'integer', (c) => c.notNull())
    .addColumn('event_time', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alerts_created').on('alerts').columns(['created_at', 'id']).execute();
  await db.schema
    .createTable('alert_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_deliveries_due').on('alert_deliveries').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('alert_deliveries_alert').on('alert_deliveries').column('alert_id').execute();
  await db.schema
    .createTable('alert_cursor')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO alert_cursor (name, seq, updated_at) SELECT 'evaluator', COALESCE(MAX(seq), 0), ${new Date().toISOString()} FROM audit_log`.execute(db);
  // The rules read recent records of a few events (failed sign-ins in the last minutes, uploads of the last day).
  await db.schema.createIndex('audit_log_event_time').on('audit_log').columns(['event', 'time']).execute();
}
