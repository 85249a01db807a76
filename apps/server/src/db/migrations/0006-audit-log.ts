import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * The tamper-evident audit log (apps/server/src/audit/, docs/security.md#audit-log): the hash chain
 * (`audit_log`, one row per record, `seq` 1, 2, 3... without gaps) and the signed checkpoints of its
 * head (`audit_checkpoints`). `record_json` and `checkpoint_json` hold the exact canonical text
 * that was hashed or signed (text, not jsonb: PostgreSQL would reorder it).
 *
 * Both tables are append-only in the database too: triggers refuse UPDATE and DELETE (and TRUNCATE
 * on PostgreSQL). That stops the application and mistaken maintenance, not the database owner, who
 * can drop a trigger: the hash chain and the checkpoints kept outside the database are what detect
 * that. There is deliberately no `down`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('record_json', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_time').on('audit_log').column('time').execute();
  await db.schema
    .createTable('audit_checkpoints')
    /** The sequence number of the chain head it signs: one checkpoint per head. */
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('checkpoint_json', 'text', (c) => c.notNull())
    /** Ed25519 signature of checkpoint_json (UTF-8), base64. */
    .addColumn('signature', 'text', (c) => c.notNull())
    .execute();

  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // Created in the current schema (the first of search_path), like the tables.
    await sql`CREATE FUNCTION coverwatch_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'raise_exception';
END
$$`.execute(db);
    for (const table of ['audit_log', 'audit_checkpoints']) {
      await sql`CREATE TRIGGER ${sql.id(`${table}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.table(table)} FOR EACH ROW EXECUTE FUNCTION coverwatch_audit_append_only()`.execute(db);
      await sql`CREATE TRIGGER ${sql.id(`${table}_no_truncate`)} BEFORE TRUNCATE ON ${sql.table(table)} FOR EACH STATEMENT EXECUTE FUNCTION coverwatch_audit_append_only()`.execute(db);
    }
  } else {
    for (const table of ['audit_log', 'audit_checkpoints']) {
      for (const op of ['UPDATE', 'DELETE'] as const) {
        await sql`CREATE TRIGGER ${sql.id(`${table}_no_${op.toLowerCase()}`)} BEFORE ${sql.raw(op)} ON ${sql.table(table)} BEGIN SELECT RAISE(ABORT, ${sql.lit(`the audit log is append-only: ${op} on ${table} refused`)}); END`.execute(db);
      }
    }
  }
}
