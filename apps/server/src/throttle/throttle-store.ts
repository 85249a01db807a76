import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** One throttle rule: `free` failures are allowed, then each failure doubles the wait, from `baseMs` up to `maxMs`. */
export interface ThrottleRule {
  readonly free: number;
  readonly baseMs: number;
  readonly maxMs: number;
  /** A key without a failure for this long starts over. */
  readonly forgetMs: number;
}

/** Account and address pairs that signed in are remembered this long (exempt from the account-wide rule). */
const KNOWN_FOR_MS = 180 * 24 * 60 * 60_000;
/** Counters are kept at least this long after their last failure (longer than any rule's forgetMs and maxMs). */
const PRUNE_AFTER_MS = 24 * 60 * 60_000;

/**
 * Throttle counters in the database, shared by every process (ASVS 6.1.1, 6.3.1): an attacker gains
 * nothing by spreading attempts over `serve` processes, and a restart forgets nothing. An attempt is
 * counted and checked in one atomic upsert, so concurrent ones cannot slip past it. Keys are hashed: the table names no email or
 * address.
 */
export class ThrottleStore {
  constructor(private readonly db: Db) {}

  /** Milliseconds to wait before the next attempt on `key` of `namespace` (0: go ahead). */
  async wait(namespace: string, key: string, rule: ThrottleRule, now: number): Promise<number> {
    const r = await this.db.selectFrom('throttle_counters').select(['failures', 'last_ms', 'blocked_until_ms']).where('key', '=', hashKey(namespace, key)).executeTakeFirst();
    if (r === undefined || stale(r, rule, now)) return 0;
    return Math.max(0, r.blocked_until_ms - now);
  }

  /**
   * One attempt on `key`, counted before it is checked (then a failure stays counted, a success
   * resets or refunds it): 0 to go ahead, else the milliseconds to wait, and then it is not counted.
   * One atomic statement decides, so concurrent attempts cannot all slip in before the first failure
   * is recorded: of any number at once, at most `free + 1` go ahead. From the `free + 1`-th on, each
   * attempt makes the next wait `baseMs`, doubling, at most `maxMs`.
   */
  async attempt(namespace: string, key: string, rule: ThrottleRule, now: number): Promise<number> {
    const k = hashKey(namespace, key);
    const stale = sql`${now} - throttle_counters.last_ms > ${rule.forgetMs} and ${now} >= throttle_counters.blocked_until_ms`;
    const next = sql<number>`case when ${stale} then 1 else throttle_counters.failures + 1 end`;
    // Over the free ones: the key waits the longest wait at once (concurrent attempts see it), then
    // the exact wait replaces it below.
    const provisional = now + rule.maxMs;
    const r = await this.db
      .insertInto('throttle_counters')
      .values({ key: k, kind: 'failures', failures: 1, last_ms: now, blocked_until_ms: rule.free >= 1 ? 0 : provisional })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ failures: next, last_ms: now, blocked_until_ms: sql<number>`case when ${next} > ${rule.free} then ${provisional} else 0 end` })
          .where('throttle_counters.blocked_until_ms', '<=', now),
      )
      .returning('failures')
      .executeTakeFirst();
    if (r === undefined) {
      const row = await this.db.selectFrom('throttle_counters').select('blocked_until_ms').where('key', '=', k).executeTakeFirst();
      return Math.max(1, (row?.blocked_until_ms ?? now + 1) - now);
    }
    const failures = Number(r.failures);
    if (failures > rule.free) {
      const until = now + Math.min(rule.maxMs, rule.baseMs * 2 ** Math.min(30, failures - rule.free - 1));
      await this.db.updateTable('throttle_counters').set({ blocked_until_ms: until }).where('key', '=', k).where('failures', '=', failures).where('blocked_until_ms', '=', provisional).execute();
    }
    return 0;
  }

  /** Takes back one counted attempt that succeeded (counters a success does not reset, such as per address). */
  async refund(namespace: string, key: string, rule: ThrottleRule): Promise<void> {
    await this.db
      .updateTable('throttle_counters')
      .set({ failures: sql<number>`case when failures > 0 then failures - 1 else 0 end`, blocked_until_ms: sql<number>`case when failures - 1 <= ${rule.free} then 0 else blocked_until_ms end` })
      .where('key', '=', hashKey(namespace, key))
      .execute();
  }

  async reset(namespace: string, key: string): Promise<void> {
    await this.db.deleteFrom('throttle_counters').where('key', '=', hashKey(namespace, key)).execute();
  }

  /** Remembers that `key` (an account and address pair) succeeded. */
  async markKnown(namespace: string, key: string, now: number): Promise<void> {
    const values = { kind: 'known' as const, failures: 0, last_ms: now, blocked_until_ms: 0 };
    await this.db
      .insertInto('throttle_counters')
      .values({ key: hashKey(`known:${namespace}`, key), ...values })
      .onConflict((oc) => oc.column('key').doUpdateSet(values))
      .execute();
  }

  async isKnown(namespace: string, key: string, now: number): Promise<boolean> {
    const r = await this.db.selectFrom('throttle_counters').select('last_ms').where('key', '=', hashKey(`known:${namespace}`, key)).executeTakeFirst();
    return r !== undefined && now - r.last_ms <= KNOWN_FOR_MS;
  }

  /** Deletes counters long forgotten and pairs not seen for KNOWN_FOR_MS (a periodic worker task). */
  async prune(now: number): Promise<number> {
    const a = await this.db.deleteFrom('throttle_counters').where('kind', '=', 'failures').where('last_ms', '<', now - PRUNE_AFTER_MS).where('blocked_until_ms', '<', now).executeTakeFirst();
    const b = await this.db.deleteFrom('throttle_counters').where('kind', '=', 'known').where('last_ms', '<', now - KNOWN_FOR_MS).executeTakeFirst();
    return Number(a.numDeletedRows) + Number(b.numDeletedRows);
  }
}

function stale(r: { last_ms: number; blocked_until_ms: number }, rule: ThrottleRule, now: number): boolean {
  return now - r.last_ms > rule.forgetMs && now >= r.blocked_until_ms;
}

function hashKey(namespace: string, key: string): string {
  return createHash('sha256').update(namespace).update('\n').update(key).digest('hex');
}
