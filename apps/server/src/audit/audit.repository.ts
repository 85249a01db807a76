import { PostgresAdapter, sql } from 'kysely';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/db-errors.js';
import { canonicalJson } from './canonical.js';
import { chainHash, GENESIS_HASH, type AuditRecord } from './chain.js';

/** A stored record: the record as hashed, and the hashes around it. */
export interface StoredRecord {
  readonly record: AuditRecord;
  readonly prevHash: string;
  readonly hash: string;
}

/** A stored checkpoint: the signed payload and its signature. */
export interface StoredCheckpoint {
  readonly seq: number;
  readonly time: string;
  readonly hash: string;
  readonly keyId: string;
  /** The canonical JSON that was signed. */
  readonly json: string;
  readonly signature: string;
}

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
  readonly time: string | null;
}

/**
 * The `audit_log` and `audit_checkpoints` tables. Appends take the chain's write lock, so records
 * from any number of processes form one chain: `seq` unique (the primary key) and without gaps
 * (each append is `head + 1`, read and written under the lock, all or nothing). The lock:
 * - SQLite: `BEGIN IMMEDIATE`, the database's write lock, held from reading the head to the commit
 *   (a plain `BEGIN` would read the head under a shared lock and could not upgrade it safely);
 * - PostgreSQL: a transaction-scoped advisory lock named after the schema, taken before the head is
 *   read (READ COMMITTED then sees the previous append, committed before the lock was released).
 * Nothing here updates or deletes: the tables refuse it anyway (migration 0006).
 */
export class AuditRepository {
  private readonly postgres: boolean;

  constructor(private readonly db: Db) {
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /**
   * Appends one record: `build` gets the next sequence number and the head's time (the new record's
   * time is never earlier) and returns the record to hash and store.
   */
  async append(build: (seq: number, headTime: string | null) => AuditRecord): Promise<StoredRecord> {
    const write = async (db: Db): Promise<StoredRecord> => {
      const head = await headOf(db);
      const record = build(head.seq + 1, head.time);
      if (record.seq !== head.seq + 1) throw new Error('audit record built with the wrong sequence number');
      const json = canonicalJson(record);
      const hash = chainHash(head.hash, record);
      await db.insertInto('audit_log').values({ seq: record.seq, time: record.time, event: record.event, record_json: json, prev_hash: head.hash, hash }).execute();
      return { record, prevHash: head.hash, hash };
    };
    if (this.postgres) {
      return this.db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(hashtext('coverwatch_audit:' || current_schema()))`.execute(trx);
        return write(trx);
      });
    }
    // One connection (Kysely serialises its use); BEGIN IMMEDIATE waits (busy_timeout) for other processes.
    return this.db.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      try {
        const stored = await write(conn);
        await sql`COMMIT`.execute(conn);
        return stored;
      } catch (e) {
        await sql`ROLLBACK`.execute(conn).catch(() => undefined);
        throw e;
      }
    });
  }

  /** The last record's sequence number, hash and time (0, the genesis hash and null when empty). */
  head(): Promise<ChainHead> {
    return headOf(this.db);
  }

  /** Records with `after < seq <= upTo`, in order, at most `limit`. */
  async list(after: number, upTo: number, limit: number): Promise<StoredRecord[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .select(['seq', 'record_json', 'prev_hash', 'hash'])
      .where('seq', '>', after)
      .where('seq', '<=', upTo)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ record: JSON.parse(r.record_json) as AuditRecord, prevHash: r.prev_hash, hash: r.hash }));
  }

  /** The stored hash of record `seq`, or null. */
  async hashAt(seq: number): Promise<string | null> {
    const r = await this.db.selectFrom('audit_log').select('hash').where('seq', '=', seq).executeTakeFirst();
    return r?.hash ?? null;
  }

  /** Stores a checkpoint; false when one for that head exists already (another process signed it). */
  async insertCheckpoint(c: StoredCheckpoint): Promise<boolean> {
    try {
      await this.db.insertInto('audit_checkpoints').values({ seq: c.seq, time: c.time, hash: c.hash, key_id: c.keyId, checkpoint_json: c.json, signature: c.signature }).execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | null> {
    const r = await this.db.selectFrom('audit_checkpoints').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return r === undefined ? null : toCheckpoint(r);
  }

  /** Checkpoints with `after < seq <= upTo`, in order. */
  async checkpoints(after: number, upTo: number): Promise<StoredCheckpoint[]> {
    const rows = await this.db.selectFrom('audit_checkpoints').selectAll().where('seq', '>', after).where('seq', '<=', upTo).orderBy('seq').execute();
    return rows.map(toCheckpoint);
  }
}

async function headOf(db: Db): Promise<ChainHead> {
  const r = await db.selectFrom('audit_log').select(['seq', 'hash', 'time']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return r === undefined ? { seq: 0, hash: GENESIS_HASH, time: null } : { seq: Number(r.seq), hash: r.hash, time: r.time };
}

function toCheckpoint(r: { seq: number; time: string; hash: string; key_id: string; checkpoint_json: string; signature: string }): StoredCheckpoint {
  return { seq: Number(r.seq), time: r.time, hash: r.hash, keyId: r.key_id, json: r.checkpoint_json, signature: r.signature };
}
