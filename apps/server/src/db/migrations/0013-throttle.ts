import type { Kysely } from 'kysely';

/**
 * Throttle counters (throttle/throttle-store.ts) in the database instead of each process's memory:
 * several `serve` processes share one count per account and address, and a restart forgets nothing.
 * Keys are SHA-256 hashes of what they count (an email, an address), not the values themselves.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('throttle_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    // 'failures': failed attempts with growing waits; 'known': an account and address pair that signed in.
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_ms', 'bigint', (c) => c.notNull())
    .addColumn('blocked_until_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('throttle_counters_last').on('throttle_counters').columns(['kind', 'last_ms']).execute();
}
